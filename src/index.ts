/**
 * nfwalk as a library (contracts.md "Library"): read inputs as the CLI does, then each analysis resolves to
 * exactly the object its command's `--json` prints. No console, no process, no browser: importing this
 * module reads nothing and starts nothing.
 */
export { readInputs, readText, type Inputs } from './library/inputs';
export { parse, type ParseReport } from './library/parse';
export { analyze, type AnalyzeOptions, type AnalyzeReport } from './library/analyze';
export { services, type ServicesOptions, type ServicesReport } from './library/services';
export { stale, type StaleOptions, type StaleReport } from './library/stale';
export { trace, type TraceOptions, type TraceProbe, type TraceReport } from './library/trace';
export { NfwalkError, type NfwalkErrorCode } from './library/errors';
export type { Json } from './library/plain';

// Lower level: the sections of inputs, and iptables-save text to a model and back.
export { findSections, findSectionsInText } from './input/sections';
export type { FoundSections, InputFailure } from './model/section';
export { parseIptablesSave, printRuleset } from '../grammar/iptables-save/index';
export { copiedWith } from './model/read-located';
export type { ProbeProtocol, ProbeCtState } from './analyses/trace/probe';
export type { Section, SectionSource, SkippedLines } from './model/section';
export type { Ruleset, Table, Chain, Rule, TableName } from './model/ruleset';
export type { Match } from './model/match';
export type { Target } from './model/target';
export type { ConntrackEntry, ConntrackTuple } from './model/conntrack';
export type { IpvsService, IpvsDestination, IpvsConnection } from './model/ipvs';
export type { IpSet, IpSetMember } from './model/ipset';
export type { IpInterface, IpAddress, Route } from './model/ip';
export type { SysctlEntry } from './model/sysctl';
export type { Diagnostic } from './model/diagnostic';
export type { Finding } from './analyses/finding';
