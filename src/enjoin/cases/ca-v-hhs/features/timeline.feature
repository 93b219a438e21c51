@timeline
Feature: The date of the judgment picks the order in force
  The case is a sequence of orders: which one binds depends on the date. Before 2025-08-12 no order limits
  plaintiff-state Medicaid data; from 2025-08-12 through 2026-01-05 the preliminary injunction of Dkt. 98
  binds (extended in December 2025 through 2026-01-05); from 2026-01-06 the order of 2025-12-29, Dkt. 148,
  binds. The same deployment is judged under whichever order binds on the date asked about; the clauses of
  the other orders do not apply.

  Rule: Dkt. 98 binds before 2026-01-06, Dkt. 148 from then

    Scenario Outline: On <date> the order in force is <order>
      Given the deployment judged as of <date>
      Then the order in force is <order>
      And every clause of another order is NOT_APPLICABLE

      Examples: The dates that pick the order
        | date       | order   | why                                                     |
        | 2025-08-11 | none    | the day before Dkt. 98 took effect                      |
        | 2025-08-12 | dkt-98  | Dkt. 98 takes effect                                    |
        | 2025-12-29 | dkt-98  | Dkt. 148 is signed, not yet in force                    |
        | 2026-01-05 | dkt-98  | the last day of Dkt. 98, as extended                    |
        | 2026-01-06 | dkt-148 | Dkt. 148 takes effect                                   |
        | 2026-11-22 | dkt-148 | Dkt. 148 has no end date                                |

    Scenario Outline: Every clause of the order in force on <date> is judged
      Given the deployment judged as of <date>
      Then every clause of the order in force is judged

      Examples:
        | date       |
        | 2025-09-01 |
        | 2026-02-01 |
