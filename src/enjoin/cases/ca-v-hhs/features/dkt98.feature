@dkt-98
Feature: Dkt. 98 - no Medicaid data of the plaintiff states may reach DHS for immigration enforcement
  From 2025-08-12 to 2026-01-05 the preliminary injunction (granted in part, and extended in December 2025)
  barred HHS from sharing plaintiff states' Medicaid data with DHS for immigration enforcement, and DHS from
  using it for that. Nothing may flow: not even the six fields Dkt. 148 later allowed.

  Citation: Dkt. 98, State of California et al. v. U.S. Department of Health and Human Services et al.,
  N.D. Cal. No. 3:25-cv-05536-VC. The words below are a news report's summary of the injunction, not a
  quotation of the order; not verified against the order, and no pinpoint is known.

  How to read the tables: each row is a test of its own, judged as in the Dkt. 148 feature. On a date outside
  2025-08-12 .. 2026-01-05 every row is skipped with the reason: the order is not in force.

  Background:
    Given the deployment judged on the configured date

  @DKT98-NO-SHARING
  Rule: DKT98-NO-SHARING - no plaintiff state's Medicaid data reaches DHS for immigration enforcement
    Reported summary: HHS may not share plaintiff-state Medicaid data with DHS for immigration enforcement;
    DHS may not use it for that purpose (Dkt. 98, pinpoint unknown; not the order's words, not verified).

    Scenario: No plaintiff state's Medicaid data reaches DHS while the preliminary injunction binds
      When clause DKT98-NO-SHARING is judged
      Then no party reaches what the clause forbids

    Scenario Outline: While the preliminary injunction binds, <what> of a plaintiff-state Medicaid enrollee never reaches DHS
      When the field <field> is judged under clause DKT98-NO-SHARING
      Then the case file says: under dkt-98 the field <field> is forbidden
      And no party reaches it where the order forbids

      Examples: Every field, the six Dkt. 148 later allowed among them
        | field              | what                                                                    |
        | citizenship_status | Citizenship status                                                      |
        | immigration_status | Immigration status                                                      |
        | address            | The address                                                             |
        | phone              | The phone number                                                        |
        | date_of_birth      | The date of birth                                                       |
        | medicaid_id        | The Medicaid ID                                                         |
        | name               | The enrollee name                                                       |
        | ssn                | The SSN                                                                 |
        | race_ethnicity     | Race and ethnicity                                                      |
        | sex                | Sex                                                                     |
        | email              | The email address                                                       |
        | medical            | Medical information (diagnoses, procedures, drugs, claims)              |
        | eligibility        | Eligibility data (group, pregnancy and disability flags, benefit codes) |
        | household          | Household members' data                                                 |
        | income             | Income                                                                  |

    Scenario Outline: While the preliminary injunction binds, a record of <who> in a plaintiff state's Medicaid data never reaches DHS
      When the population <population> is judged under clause DKT98-NO-SHARING
      Then the case file says: under dkt-98 the population <population> is protected
      And no party reaches it where the order forbids

      Examples: Everyone, people unlawfully present among them
        | population                | who                                 |
        | citizen                   | a U.S. citizen                      |
        | lawful_permanent_resident | a lawful permanent resident         |
        | lawfully_present          | a person otherwise lawfully present |
        | unlawfully_present        | a person unlawfully present         |
        | unknown                   | a person of unknown status          |

    Scenario Outline: While the preliminary injunction binds, <name> data of a plaintiff-state enrollee reaches DHS only as Dkt. 98 allows (<standing>)
      When the program <program> is judged under clause DKT98-NO-SHARING
      Then the case file says: under dkt-98 the program <program> is <standing>
      And no party reaches it where the order forbids

      Examples: The program the injunction speaks of
        | program  | name     | standing  |
        | medicaid | Medicaid | forbidden |

      Examples: Other CMS programs, which the injunction as reported does not name (held only there, a row is skipped as out of scope)
        | program     | name        | standing    |
        | chip        | CHIP        | not covered |
        | medicare    | Medicare    | not covered |
        | marketplace | Marketplace | not covered |
