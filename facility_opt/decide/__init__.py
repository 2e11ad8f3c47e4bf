"""Decide: the plan loop, the budget-coverage frontier and scenario comparison."""
