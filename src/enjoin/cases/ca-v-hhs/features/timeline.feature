@timeline
Feature: The date of the judgment picks the order in force
  The case is a sequence of orders: which one binds depends on the date. The same deployment is judged
  under whichever order binds on the date asked about; the clauses of the other orders do not apply.

  Scenario Outline: On <date> the order in force is <order>
    Given the deployment judged as of <date>
    Then the order in force is <order>
    And every clause of another order is NOT_APPLICABLE

    Examples:
      | date       | order   |
      | 2025-08-11 | none    |
      | 2025-08-12 | dkt-98  |
      | 2026-01-05 | dkt-98  |
      | 2026-01-06 | dkt-148 |
      | 2026-11-22 | dkt-148 |

  Scenario Outline: Every clause of the order in force on <date> is judged
    Given the deployment judged as of <date>
    Then every clause of the order in force is judged

    Examples:
      | date       |
      | 2025-09-01 |
      | 2026-02-01 |
