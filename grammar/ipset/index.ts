/**
 * `ipset save` (`create NAME TYPE OPTIONS…` / `add NAME MEMBER OPTIONS…`) and `ipset list` (`Name:`, `Type:`,
 * `Revision:`, `Header:`, `Size in memory:`, `References:`, `Number of entries:`, `Members:` then one member per
 * line). EKS's ipset.txt holds a list and then a save of the same sets: a save line after a listing (or the
 * reverse) starts a new section, so each section holds each set once.
 */
import type { IpsetBody } from '../../src/model/section';
import type { IpSet, IpSetMember } from '../../src/model/ipset';
import { type DumpFormat, startsWithAny } from '../shared/reader';
import { decimalWord } from '../shared/decimal';
import { type LineProblem, broken } from '../shared/problem';
import { WordLineReader } from '../shared/word-line-reader';
import type { WordLine, WordToken } from '../shared/word-lines';
import { fitsOptions, fitsType } from './member';

type Draft = { -readonly [K in keyof IpSet]: IpSet[K] } & { members: IpSetMember[] };

/** Options that stand alone (no value), in set headers and on members. */
const FLAGS = new Set(['counters', 'comment', 'skbinfo', 'forceadd', 'nomatch', 'bucketsize-auto']);
const LIST_FIELDS = new Set(['Type:', 'Revision:', 'Header:', 'Size', 'References:', 'Number', 'Members:']);

class IpsetReader extends WordLineReader<IpsetBody> {
  private readonly sets = new Map<string, Draft>();
  private listed: Draft | undefined;
  private inMembers = false;
  private format: IpsetBody['format'] | undefined;

  protected line(l: WordLine): LineProblem | undefined {
    const [first, second] = l.words;
    switch (first!.text) {
      case 'create':
        return this.create(l);
      case 'add':
        return this.add(l);
      case 'Name:':
        if (!second) return { problem: 'broken', message: 'Name: needs a set name', column: first!.column };
        if (this.format === 'save') return newListing(first!);
        this.format = 'list';
        this.listed = this.define(second.text, l.line, '', {});
        this.inMembers = false;
        return undefined;
    }
    if (this.listed && !this.inMembers && LIST_FIELDS.has(first!.text)) return this.listField(l);
    if (this.listed && this.inMembers) return this.listedMember(this.listed, l.words, l.line);
    return {
      problem: 'broken',
      message: 'expected an ipset create/add line or an ipset list field',
      column: first!.column,
    };
  }

  private define(name: string, line: number, type: string, options: Record<string, string | true>): Draft {
    const existing = this.sets.get(name);
    if (existing)
      this.warn(line, 1, `set ${name} is defined again (first on line ${existing.line}); the later definition is kept`);
    const set: Draft = { line, name, type, options, members: [] };
    this.sets.set(name, set);
    return set;
  }

  private create(l: WordLine): LineProblem | undefined {
    const [cmd, name, type, ...rest] = l.words;
    if (!name || !type) return { problem: 'broken', message: 'create needs a set name and type', column: cmd!.column };
    if (!/^(hash|bitmap|list):/.test(type.text))
      return { problem: 'broken', message: `unknown set type '${type.text}'`, column: type.column };
    if (this.format === 'list') return newListing(cmd!);
    this.format = 'save';
    const options: Options = {};
    const problem = readOptions(rest, options);
    if (problem) return problem;
    const set = this.define(name.text, l.line, type.text, options);
    if (options.family === 'inet' || options.family === 'inet6') set.family = options.family;
    this.listed = undefined;
    return undefined;
  }

  private add(l: WordLine): LineProblem | undefined {
    const [cmd, name, ...member] = l.words;
    const set = name && this.sets.get(name.text);
    if (!set)
      return {
        problem: 'broken',
        message: name ? `add to set ${name.text}, which was not created above` : 'add needs a set name',
        column: (name ?? cmd!).column,
      };
    return this.member(set, member, l.line);
  }

  private member(set: Draft, words: readonly WordToken[], line: number): LineProblem | undefined {
    const [value, ...rest] = words;
    if (!value) return { problem: 'broken', message: 'a member needs a value', column: 1 };
    const options: Options = {};
    const problem = readOptions(rest, options);
    if (problem) return problem;
    set.members.push({ line, value: value.text, options });
    return undefined;
  }

  /** A member line of `ipset list`, or the line after the listing, which ends it (member.ts). */
  private listedMember(set: Draft, words: readonly WordToken[], line: number): LineProblem | undefined {
    const [value, ...rest] = words;
    if (!fitsType(set.type, value!.text) || !fitsOptions(rest))
      return {
        problem: 'ends',
        message: `not a member of set ${set.name} (${set.type || 'type unknown'})`,
        column: value!.column,
      };
    return this.member(set, words, line);
  }

  private listField(l: WordLine): LineProblem | undefined {
    const set = this.listed!;
    const rest = l.raw.slice(l.raw.indexOf(':') + 1).trim();
    const [first] = l.words;
    switch (first!.text) {
      case 'Type:':
        set.type = rest;
        return undefined;
      case 'Revision:':
        set.revision = decimalWord(rest);
        return undefined;
      case 'Header:': {
        const options: Options = {};
        const problem = readOptions(l.words.slice(1), options);
        if (problem) return problem;
        set.options = options;
        if (options.family === 'inet' || options.family === 'inet6') set.family = options.family;
        return undefined;
      }
      case 'Size':
        set.sizeInMemory = decimalWord(rest);
        return undefined;
      case 'References:':
        set.references = decimalWord(rest);
        return undefined;
      case 'Number':
        set.declaredEntries = decimalWord(rest);
        return undefined;
      default:
        this.inMembers = true;
        return undefined;
    }
  }

  protected body(): IpsetBody {
    const sets = [...this.sets.values()];
    for (const s of sets) {
      if (s.declaredEntries !== undefined && s.declaredEntries !== s.members.length) {
        this.warn(
          s.line,
          1,
          `set ${s.name}: Number of entries says ${s.declaredEntries}, ${s.members.length} members listed`,
        );
      }
    }
    return {
      kind: 'ipset',
      format: this.format ?? 'list',
      records: sets.reduce((n, s) => n + s.members.length, 0),
      diagnostics: this.diagnostics,
      sets,
    };
  }
}

type Options = Record<string, string | true>;

function readOptions(
  words: readonly WordToken[],
  // Keys come from the input, so the options are filled in place rather than returned beside a problem.
  options: Options,
): LineProblem | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (FLAGS.has(w.text) && !(w.text === 'comment' && words[i + 1]?.quoted)) {
      options[w.text] = true;
      continue;
    }
    const v = words[i + 1];
    if (!v) return broken(w.column, `${w.text} needs a value`);
    options[w.text] = v.text;
    i++;
  }
  return undefined;
}

function newListing(at: WordToken): LineProblem {
  return { problem: 'restart', message: 'a new ipset listing starts here', column: at.column };
}

export const ipsetFormat: DumpFormat = {
  name: 'ipset',
  distinctive: true,
  starts: startsWithAny([/^Name: \S+\s*$/, /^create \S+ (hash|bitmap|list):\S+/]),
  reader: () => new IpsetReader(),
};
