@dkt-98
Feature: Dkt. 98 - no Medicaid data of the plaintiff states may reach DHS for immigration enforcement
  From 2025-08-12 to 2026-01-05 the preliminary injunction (granted in part, and extended in December 2025)
  barred HHS from sharing plaintiff states' Medicaid data with DHS for immigration enforcement, and DHS from
  using it for that. Nothing may flow.

  Background:
    Given the deployment judged on the configured date

  @DKT98-NO-SHARING
  Scenario: No plaintiff state's Medicaid data reaches DHS while the preliminary injunction binds
    When clause DKT98-NO-SHARING is judged
    Then no party reaches what the clause forbids
