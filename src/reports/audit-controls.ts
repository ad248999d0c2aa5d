/** A control of a standard or regulation that a drill report is evidence for. */
export interface AuditControl {
  framework: string;
  control: string;
  /** What the control asks for, in a few words, and what of the report serves it. */
  asks: string;
}

/**
 * What auditors ask a recovery test for: a dated record of a test against recovery objectives,
 * who took part, what happened, and follow-ups tracked to closure. The report is evidence toward
 * these controls, not a claim that they are met: that is for the auditor to judge.
 */
export const AUDIT_CONTROLS: AuditControl[] = [
  { framework: 'SOC 2 (2017 TSC)', control: 'A1.3', asks: 'recovery plan procedures are tested: the dated test, its objectives and its outcome' },
  { framework: 'ISO 22301:2019', control: '8.5', asks: 'an exercise programme: exercises with objectives, post-exercise reports and follow-up actions' },
  { framework: 'ISO/IEC 27001:2022', control: 'A.5.30', asks: 'ICT readiness for business continuity, tested against recovery objectives (RTO, RPO)' },
  { framework: 'DORA (EU 2022/2554)', control: 'Art. 11-12', asks: 'response and recovery plans and backup restoration tested, with the results and lessons learned recorded' },
];
