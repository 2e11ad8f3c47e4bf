"""The words of setting values, input-file roles and scenario settings, in Chinese and English:
the assumptions page of the annex shows these rather than raw keys. Part of the one word table
(`report/terms.py` merges them into `TERMS` as value.*, role.* and setting.*); pure data."""

from __future__ import annotations

# word values of settings, in both languages (the assumptions page shows no raw values)
VALUE_TERMS: dict[str, tuple[str, str]] = {
    "morning-peak": ("上午高峰", "morning peak"),
    "uniform": ("全天均匀", "uniform over the day"),
    "lognormal": ("对数正态分布", "lognormal"),
    "exponential": ("指数分布", "exponential"),
    "fixed": ("固定时长", "fixed"),
    "ci_low": ("95%置信下限达标", "the lower 95% bound meets the target"),
    "mean": ("均值达标", "the mean meets the target"),
    "benefit": ("效益（达标户数与覆盖老人加权）", "benefit (households and elderly, weighted)"),
    "score": ("项目评分之和", "sum of project scores"),
    "coverage": ("覆盖社区数最多", "most communities covered"),
    "communities": ("社区数", "communities"),
    "population": ("人口", "population"),
    "elderly": ("60岁以上居民", "residents aged 60+"),
    "reach": ("服务半径内", "within reach"),
    "own": ("本社区内", "in the community itself"),
    "city": ("城区社区", "city communities"),
    "town": ("乡镇社区", "town communities"),
    "fringe": ("城乡结合部社区", "urban-fringe communities"),
    "relocation": ("易地搬迁安置社区", "relocation communities"),
    "min": ("分钟", "minutes"),
    "km": ("公里", "km"),
    "m": ("米", "metres"),
    "unset": ("未设定（采用默认）", "not set (default)"),
    "objective_benefit": ("效益值", "benefit"),
    "objective_score": ("评分之和", "total score"),
    "objective_coverage": ("覆盖目标值", "coverage objective"),
    "year": ("{year}年", "{year}"),
    "other_language": ("（仅有外文说明）", "(given in another language only)"),
    "run": ("{command}，{ended}，{files} 个文件", "{command}, {ended}, {files} files"),
    "unnamed_setting": ("其他设定 {name}", "other setting {name}"),
    "万元": ("万元", "10,000 yuan"),
}

# input files by role (manifest.json inputs)
ROLE_TERMS: dict[str, tuple[str, str]] = {
    "scenario": ("情景文件", "scenario file"),
    "candidates": ("备选项目表", "candidate projects table"),
    "communities": ("社区表", "communities table"),
    "centres": ("现有日间照料中心表", "existing day-care centres table"),
    "travel": ("出行时间表", "travel table"),
    "portfolio": ("项目组合（selection.csv）", "portfolio (selection.csv)"),
}

# settings whose meaning the assumptions table spells out (scenario key → term)
SETTING_TERMS: dict[str, tuple[str, str]] = {
    "name": ("情景名称", "scenario name"),
    "title": ("标题", "title"),
    "description": ("情景说明", "description"),
    "source": ("情景文件", "scenario file"),
    "budget.annual": ("年度预算", "annual budgets"),
    "targets.min_count": ("各类项目最少数量", "minimum number of projects by kind"),
    "objective.weight_households": ("权重：达标户数", "weight of households brought up to "
                                    "standard"),
    "objective.weight_elderly": ("权重：新增覆盖的60岁以上居民", "weight of residents aged 60+ "
                                 "newly within reach"),
    "objective.tie_break": ("同分时确定性取舍", "deterministic tie-breaking"),
    "rules.early_completion_types": ("须提前完工的社区类型", "community types that complete "
                                     "early"),
    "daycare.visits_by_type": ("分社区类型来访率", "visit rate by community type"),
    "daycare.stay_hours_cv": ("停留时长变异系数", "coefficient of variation of the stay"),
    "population.growth_weights": ("人口增长分配权重（按社区类型）", "population growth weights by "
                                  "community type"),
    "population.last_year": ("人口预测末年", "last projected year"),
    "simulation.years": ("模拟年度", "simulated years"),
    "plan.max_iterations": ("规划最大迭代次数", "most plan rounds"),
    "budget.unit": ("金额单位", "money unit"),
    "budget.carry_over": ("预算可否结转", "unspent budget carries over"),
    "objective.kind": ("优化目标", "objective"),
    "objective.area_standard_m2_per_100_households": ("每百户设施面积标准（m²）",
                                                      "facility area standard (m² per 100 "
                                                      "households)"),
    "targets.daycare_coverage": ("日间照料覆盖率目标", "day-care coverage target"),
    "targets.criterion": ("覆盖率判定标准", "how the coverage target is judged"),
    "targets.target_years": ("目标年度", "target years"),
    "rules.early_completion": ("搬迁、城乡结合部社区项目提前完工", "relocation and fringe "
                               "projects complete early"),
    "rules.early_completion_year": ("提前完工年度", "early completion year"),
    "rules.min_projects_per_county": ("每县最少项目数", "minimum projects per county"),
    "rules.max_county_share": ("单县资金占比上限", "largest share of money for one county"),
    "daycare.visits_per_elderly_per_day": ("每位60岁以上居民每开放日来访次数",
                                           "visits per resident aged 60+ per open day"),
    "daycare.opening_hours": ("每日开放时长（小时）", "opening hours per day"),
    "daycare.open_days_per_week": ("每周开放天数", "open days per week"),
    "daycare.stay_hours_mean": ("平均停留时长（小时）", "mean stay (hours)"),
    "daycare.stay_distribution": ("停留时长分布", "stay-time distribution"),
    "daycare.reach_km": ("服务半径（公里）", "reach (km)"),
    "daycare.arrival_profile": ("到达时间分布", "arrival profile"),
    "population.total_growth_per_year": ("常住人口年增长率", "resident population growth per year"),
    "population.elderly_share_drift_per_year": ("老年人口占比年增量",
                                                "yearly rise of the share aged 60+"),
    "population.urbanisation": ("城镇化率", "urbanisation rate"),
    "simulation.replications": ("模拟重复次数", "replications"),
    "simulation.seed": ("随机种子", "random seed"),
    "simulation.sampled_days": ("每年抽样开放日数", "open days sampled per year"),
    "years": ("资助年度", "funding years"),
    "base_year": ("人口基准年", "population base year"),
    "objective.benefit_until": ("效益计算截止年", "benefit counted until"),
    "objective.coverage_weight": ("覆盖目标的计数口径", "what the coverage objective counts"),
    "targets.coverage_basis": ("覆盖判定口径", "coverage basis"),
    "targets.max_turned_away": ("有效覆盖：被拒比例上限", "effective coverage: most requests "
                                "turned away"),
    "daycare.reach_travel": ("服务范围（出行时间表单位）", "reach in the travel table's unit"),
    "daycare.travel_unit": ("出行时间单位", "travel unit"),
}
