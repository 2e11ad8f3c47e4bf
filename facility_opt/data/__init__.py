"""Bundled data: the Leshan reference tables (`leshan/`), their seeded generator
(`build_leshan`) and the bundled scenarios (`scenarios/`), installed with the package so
`facility-opt solve` works from any folder."""
