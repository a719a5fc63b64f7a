/** nfwalk as a library: pure functions from dump text to models; no console, no process. */
export { findSections, type SectionsResult } from './input/sections';
export { parseIptablesSave, printRuleset } from '../grammar/iptables-save/index';
export type { Section, IptablesSection } from './model/section';
export type { Ruleset, Table, Chain, Rule, TableName } from './model/ruleset';
export type { Match } from './model/match';
export type { Target } from './model/target';
export type { Diagnostic } from './model/diagnostic';
