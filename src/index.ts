/** nfwalk as a library: functions from dumps to models; no console, no process. */
export { findSections, findSectionsInText, type FoundSections } from './input/sections';
export { parseIptablesSave, printRuleset } from '../grammar/iptables-save/index';
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
