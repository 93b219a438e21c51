@dkt-148
Feature: Dkt. 148 - only basic biographical, location and contact information of people unlawfully present may reach DHS
  From 2026-01-06 the order of 2025-12-29 on the renewed motion (granted in part, denied in part) lets CMS share
  with DHS "citizenship and immigration status, address, phone number, date of birth, and Medicaid ID" of people
  unlawfully present in the plaintiff states, and keeps everything else enjoined. Recipient: DHS and its
  components, ICE first among them.

  Citation: Dkt. 148, State of California et al. v. U.S. Department of Health and Human Services et al.,
  N.D. Cal. No. 3:25-cv-05536-VC. Every quotation below is the wording news reports attribute to the order;
  none is verified against the order itself yet, and no pinpoint is known.

  How to read the tables: each row is a test of its own. A row passes when no DHS principal, by any path
  (its own permissions, role assumptions, bucket and key policies), reaches a store the agency declares in
  enjoin.yaml that carries the row's value where the order forbids it; a failing row names the stores and the
  shortest path. A row is skipped, with the reason, when no declared store carries its value ("not held"),
  when its value is held only outside the order's scope, when the order is not in force on the date judged,
  or when a recorded decision on an open question takes it out. What enjoin cannot decide fails the row.

  Background:
    Given the deployment judged on the configured date

  @DKT148-FIELDS
  Rule: DKT148-FIELDS - only citizenship status, immigration status, address, phone number, date of birth and Medicaid ID reach DHS
    The order: "citizenship and immigration status, address, phone number, date of birth, and Medicaid ID";
    the holding covers "basic biographical, location, and contact information" (Dkt. 148, pinpoint
    unknown; as reported, not verified).

    Scenario: Nothing beyond citizenship and immigration status, address, phone number, date of birth and Medicaid ID reaches DHS
      When clause DKT148-FIELDS is judged
      Then no party reaches what the clause forbids

    @DKT148-POPULATIONS
    Scenario Outline: <what> of a plaintiff-state enrollee may reach DHS, only in a record of a person unlawfully present
      When the field <field> is judged under clause DKT148-POPULATIONS
      Then the case file says: under dkt-148 the field <field> is allowed
      And no party reaches it where the order forbids

      Examples: The six fields the order lists
        | field              | what                |
        | citizenship_status | Citizenship status  |
        | immigration_status | Immigration status  |
        | address            | The address         |
        | phone              | The phone number    |
        | date_of_birth      | The date of birth   |
        | medicaid_id        | The Medicaid ID     |

    Scenario Outline: <what> of a plaintiff-state enrollee, outside the order's list, never reaches DHS
      When the field <field> is judged under clause DKT148-FIELDS
      Then the case file says: under dkt-148 the field <field> is forbidden
      And no party reaches it where the order forbids

      Examples: Fields the order does not list
        | field       | what                                                                    |
        | medical     | Medical information (diagnoses, procedures, drugs, claims)              |
        | eligibility | Eligibility data (group, pregnancy and disability flags, benefit codes) |
        | household   | Household members' data                                                 |
        | income      | Income                                                                  |

    Scenario Outline: <what> of a plaintiff-state enrollee never reaches DHS unless a recorded decision allows it (open question <field>, by default <default>)
      Given the open question <field>, whose default is <default>
      When the field <field> is judged under clause DKT148-FIELDS
      Then no party reaches it where the order forbids

      Examples: Fields the July 2025 CMS-ICE agreement had and the order does not list
        | field          | default   | what               |
        | ssn            | forbidden | The SSN            |
        | race_ethnicity | forbidden | Race and ethnicity |
        | sex            | forbidden | Sex                |
        | email          | forbidden | The email address  |

      Examples: Fields the order leaves undecided (reached and undecided, the row is INDETERMINATE and fails)
        | field | default   | what              |
        | name  | undecided | The enrollee name |

  @DKT148-MEDICAL
  Rule: DKT148-MEDICAL - no medical or health information reaches DHS
    The order finds the policies "totally unclear about what that information would be, why it would be
    needed for immigration enforcement purposes, and what the risks of sharing it with DHS would be"
    (Dkt. 148, pinpoint unknown; as reported, not verified).

    Scenario: No medical or health information reaches DHS
      When clause DKT148-MEDICAL is judged
      Then no party reaches what the clause forbids

    Scenario Outline: <what> of a plaintiff-state enrollee, medical or health information, never reaches DHS
      When the field <field> is judged under clause DKT148-MEDICAL
      Then the case file says: under dkt-148 the field <field> is forbidden
      And no party reaches it where the order forbids

      Examples: Medical or health information
        | field   | what                                                       |
        | medical | Medical information (diagnoses, procedures, drugs, claims) |

    Scenario Outline: <what> of a plaintiff-state enrollee, which can reveal health status, never reaches DHS (open question <question>, by default <default>)
      Given the open question <question>, whose default is <default>
      When the field <field> is judged under clause DKT148-MEDICAL as that answer says
      Then no party reaches it where the order forbids

      Examples: Information that can reveal health status
        | field       | question                   | default | what                                                                    |
        | eligibility | eligibility_reveals_health | medical | Eligibility data (group, pregnancy and disability flags, benefit codes) |

  @DKT148-POPULATIONS
  Rule: DKT148-POPULATIONS - no record of a U.S. citizen, a lawful permanent resident or another lawfully present person reaches DHS
    Reports: the agencies may not hand over Medicaid data about citizens or legal immigrants in the plaintiff
    states (a reported paraphrase, not the order's words; Dkt. 148, pinpoint unknown, not verified). The
    order gives no test of who is "unlawfully present": whoever it may not be is protected.

    Scenario: A record of a citizen, a lawful permanent resident or another lawfully present person never reaches DHS
      When clause DKT148-POPULATIONS is judged
      Then no party reaches what the clause forbids

    Scenario Outline: A record of <who> never reaches DHS
      When the population <population> is judged under clause DKT148-POPULATIONS
      Then the case file says: under dkt-148 the population <population> is protected
      And no party reaches it where the order forbids

      Examples: The people the order protects
        | population                | who                                                   |
        | citizen                   | a U.S. citizen                                        |
        | lawful_permanent_resident | a lawful permanent resident                           |
        | lawfully_present          | a person otherwise lawfully present                   |
        | unknown                   | a person of unknown status (judged as if a citizen)   |

    @DKT148-FIELDS
    Scenario Outline: A record of <who> may reach DHS, within the order's six fields
      When the population <population> is judged under clause DKT148-FIELDS
      Then the case file says: under dkt-148 the population <population> is allowed
      And no party reaches it where the order forbids

      Examples: The people whose records the order lets reach DHS
        | population         | who                        |
        | unlawfully_present | a person unlawfully present |

    Scenario Outline: A record of <who> never reaches DHS unless a recorded decision allows it (open question <question>, by default <default>)
      Given the open question <question>, whose default is <default>
      When the <kind> <value> is judged under clause DKT148-POPULATIONS as that answer says
      Then no party reaches it where the order forbids

      Examples: People the order gives no test for, counted as lawfully present
        | question           | default   | who                                             | kind       | value            |
        | daca               | protected | a DACA recipient                                | population | lawfully_present |
        | tps                | protected | a holder of Temporary Protected Status          | population | lawfully_present |
        | parole             | protected | a parolee                                       | population | lawfully_present |
        | asylum_applicant   | protected | an asylum applicant                             | population | lawfully_present |
        | pending_adjustment | protected | a person whose adjustment of status is pending  | population | lawfully_present |

      Examples: T-MSIS immigration status code 3 (emergency services only) also covers lawfully present people
        | question              | default   | who                                           | kind       | value   |
        | emergency_only_code_3 | protected | an enrollee coded 3, emergency services only  | population | unknown |

      Examples: Mixed households - a parent's shared address also locates citizen children
        | question         | default   | who                                              | kind  | value     |
        | mixed_households | protected | a household member, in a record that carries it  | field | household |

  @DKT148-PROGRAMS
  Rule: DKT148-PROGRAMS - no data from other CMS-administered programs reaches DHS
    California's attorney general: the court enjoined DHS's efforts to obtain "data from other CMS administered
    health programs" (Dkt. 148, pinpoint unknown; as reported, not verified).

    Scenario: No data from other CMS programs (CHIP, Medicare, the Marketplace) reaches DHS
      When clause DKT148-PROGRAMS is judged
      Then no party reaches what the clause forbids

    Scenario Outline: No <name> data of a plaintiff-state enrollee reaches DHS
      When the program <program> is judged under clause DKT148-PROGRAMS
      Then the case file says: under dkt-148 the program <program> is forbidden
      And no party reaches it where the order forbids

      Examples: The other CMS-administered programs
        | program     | name        |
        | chip        | CHIP        |
        | medicare    | Medicare    |
        | marketplace | Marketplace |

    @DKT148-FIELDS @DKT148-MEDICAL @DKT148-POPULATIONS
    Scenario Outline: <name> data of a plaintiff-state enrollee reaches DHS only as the clauses of Dkt. 148 allow
      When the program <program> is judged under order dkt-148
      Then the case file says: under dkt-148 the program <program> is limited
      And no party reaches it where the order forbids

      Examples: The program the order speaks of
        | program  | name     |
        | medicaid | Medicaid |

  Rule: Scope - the order binds data of the plaintiff states only
    Reports say no limit was placed on the other states. The plaintiffs are the 20 states that filed in July
    2025 and Wisconsin, which joined in August 2025. Later reports count 22 plaintiffs; the 22nd is not
    identified in any source at hand, nor whether DC is a party, so DC is not counted.

    @DKT148-FIELDS @DKT148-MEDICAL @DKT148-POPULATIONS @DKT148-PROGRAMS
    Scenario Outline: Data of enrollees in <state> (<standing>) reaches DHS only as Dkt. 148 allows
      When the state <state> is judged under order dkt-148
      Then the case file says: under dkt-148 the state <state> is <standing>
      And no party reaches it where the order forbids

      Examples: The plaintiff states
        | state | standing    |
        | AZ    | a plaintiff |
        | CA    | a plaintiff |
        | CO    | a plaintiff |
        | CT    | a plaintiff |
        | DE    | a plaintiff |
        | HI    | a plaintiff |
        | IL    | a plaintiff |
        | ME    | a plaintiff |
        | MD    | a plaintiff |
        | MA    | a plaintiff |
        | MI    | a plaintiff |
        | MN    | a plaintiff |
        | NV    | a plaintiff |
        | NJ    | a plaintiff |
        | NM    | a plaintiff |
        | NY    | a plaintiff |
        | OR    | a plaintiff |
        | RI    | a plaintiff |
        | VT    | a plaintiff |
        | WA    | a plaintiff |
        | WI    | a plaintiff |

      Examples: Other states - a store holding only their data is out of the order's scope
        | state | standing        |
        | TX    | not a plaintiff |
        | FL    | not a plaintiff |
        | DC    | not a plaintiff |
