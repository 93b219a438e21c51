@dkt-148
Feature: Dkt. 148 - only basic biographical, location and contact information of people unlawfully present may reach DHS
  From 2026-01-06 the order of 2025-12-29 on the renewed motion (granted in part, denied in part) lets CMS share
  with DHS "citizenship and immigration status, address, phone number, date of birth, and Medicaid ID" of people
  unlawfully present in the plaintiff states, and keeps everything else enjoined.
  The quotations are as reported in the press and are not yet verified against the order itself.
  Each scenario below judges every store the agency declares in enjoin.yaml, by every path a DHS
  principal can take (its own permissions, role assumptions, bucket and key policies).

  Background:
    Given the deployment judged on the configured date

  @DKT148-FIELDS
  Scenario: Nothing beyond citizenship and immigration status, address, phone number, date of birth and Medicaid ID reaches DHS
    When clause DKT148-FIELDS is judged
    Then no party reaches what the clause forbids

  @DKT148-MEDICAL
  Scenario: No medical or health information reaches DHS
    When clause DKT148-MEDICAL is judged
    Then no party reaches what the clause forbids

  @DKT148-POPULATIONS
  Scenario: A record of a citizen, a lawful permanent resident or another lawfully present person never reaches DHS
    When clause DKT148-POPULATIONS is judged
    Then no party reaches what the clause forbids

  @DKT148-PROGRAMS
  Scenario: No data from other CMS programs (CHIP, Medicare, the Marketplace) reaches DHS
    When clause DKT148-PROGRAMS is judged
    Then no party reaches what the clause forbids
