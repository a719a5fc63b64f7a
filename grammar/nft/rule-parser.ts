/**
 * The grammar of one rule's statements, of a set's `elements = { … }` and of a set's `typeof`, as nft prints
 * them (nft(8) EXPRESSIONS and STATEMENTS; shared/reference/nftables.md §2.1):
 *
 *   statements := statement*                     (each preceded by its blanks: iptables-nft's hidden ones)
 *   statement  := verdict | counter | reject | nat | 'notrack' | xt | setUpdate | keywordStmt | ctKeyword
 *               | expression ('set' expression | 'vmap' primary | RELOP expression | expression)
 *   expression := binop ('.' binop)* ('map' primary)?
 *   binop      := primary (BINOP primary)*
 *   primary    := STRING | '{' elements | @REF | payload | meta | ct | fib | numgen | hash | verdict | WORD
 *   elements   := '}' | element (',' element)* '}'
 *   element    := expression ('timeout' W | 'expires' W | 'counter' …| 'comment' STRING)* (':' expression)?
 *
 * Which word is a selector and which a value depends on position (`mark` is the packet mark before an
 * operator, a value elsewhere; `ip` is a payload only before one of its fields), decided by gates on the
 * following tokens, as nft's own printer and parser do. Actions build the model's statements and expressions.
 */
import { EOF, EmbeddedActionsParser, type IOrAlt, type IToken, type OrMethodOpts, tokenMatcher } from 'chevrotain';
import type { NftCounterValue, NftElement, NftExpr, NftRelOp, NftStmt, NftVerdictStmt } from '../../src/model/nft';
import { PARSER_CONFIG } from '../shared/lazy-grammar';
import {
  AnyWord,
  BareMeta,
  BinOp,
  Bytes,
  ChainVerdict,
  Colon,
  Comma,
  CommentKw,
  Counter,
  Ct,
  Dot,
  Expires,
  Fib,
  Jhash,
  KeywordStmt,
  LBrace,
  MapKw,
  Meta,
  Mod,
  Name,
  NatKind,
  Notrack,
  Numgen,
  Offset,
  OpenQuote,
  Packets,
  PlainVerdict,
  RBrace,
  Ref,
  Reject,
  RelOp,
  type RuleToken,
  Seed,
  Semi,
  SetKw,
  SetOp,
  Str,
  Symhash,
  Timeout,
  To,
  Vmap,
  With,
  Xt,
  ruleTokens,
} from './rule-tokens';
import { expr as printExpr } from './print';
import { BARE_META, BINOPS, CT_DIRECTIONS, NAT_FLAGS, PAYLOAD_FIELDS, STMT_WORDS } from './vocabulary';

export type Position = 'left' | 'value';

/** Thrown by an action where the tokens parse but mean nothing nft prints (`update @s { a, b }`). */
export class MeaningError extends Error {
  constructor(
    readonly token: IToken,
    message: string,
  ) {
    super(message);
  }
}

type KeywordName = Extract<NftStmt, { kind: 'keyword' }>['keyword'];

// A rule's arguments and its `OR`s' alternatives are made once, not on every call: chevrotain reads them afresh
// each time, and a listing of 80,000 rules made half a gigabyte of them. Per-call values reach a cached
// alternative through the parser's fields, read before anything nested can change them.
const AT: Readonly<Record<Position, { ARGS: [Position] }>> = { left: { ARGS: ['left'] }, value: { ARGS: ['value'] } };

const CT_KEYWORD_OBJECTS = new Set(['helper', 'count', 'timeout', 'expectation']);
const EXPRESSION_WORDS = new Set(['meta', 'ct', 'fib', 'numgen', 'jhash', 'symhash', ...BARE_META]);
/** Bare meta keys that are selectors in a value position too, when an operator follows (`meta mark set mark | 1`). */
const VALUE_SELECTORS = new Set(['mark', 'iifname', 'oifname', 'iif', 'oif']);

const isWord = (t: IToken) => tokenMatcher(t, AnyWord);
const payloadAt = (a: IToken, b: IToken) =>
  isWord(a) && isWord(b) && Object.hasOwn(PAYLOAD_FIELDS, a.image) && PAYLOAD_FIELDS[a.image]!.has(b.image);

export class NftRuleParser extends EmbeddedActionsParser {
  /** Statements read so far: kept when a later statement fails, which then becomes opaque. */
  stmts: NftStmt[] = [];
  /** Index (in the rule's tokens) of the statement being read. */
  stmtStart = 0;
  /** Where `statements` stopped: the index of the first token it did not read. */
  stoppedAt = 0;
  /** The left side `exprStatement` read, for its cached alternatives. */
  private left?: NftExpr;
  /** The key `expression` read, for its cached alternatives. */
  private key?: NftExpr;
  /** The position `primary` was called in, for its alternatives' gates (evaluated before any alternative runs). */
  private pos: Position = 'left';
  private statementAlts?: OrMethodOpts<NftStmt>;
  private exprStatementAlts?: OrMethodOpts<NftStmt>;
  private verdictAlts?: IOrAlt<NftVerdictStmt>[];
  private chainAlts?: IOrAlt<IToken>[];
  private counterAlts?: IOrAlt<NftStmt>[];
  private expressionAlts?: IOrAlt<NftExpr>[];
  private primaryAlts?: OrMethodOpts<NftExpr>;
  private elementsAlts?: IOrAlt<NftElement[]>[];

  constructor() {
    // One token of lookahead: the alternatives overlap (every keyword is also a word), so order and gates decide.
    super(ruleTokens, { ...PARSER_CONFIG, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  read(tokens: RuleToken[]): void {
    this.input = tokens;
    this.stmts = [];
    this.stmtStart = 0;
    this.stoppedAt = tokens.length;
  }

  public statements = this.RULE('statements', () => {
    this.MANY(() => {
      this.ACTION(() => {
        const t = this.LA(1) as RuleToken;
        this.stmtStart = t.payload.index;
        // Blanks beyond one between statements: statements nft printed as nothing (NftStmt 'hidden').
        for (let h = t.payload.token.gap - (this.stmtStart === 0 ? 0 : 1); h > 0; h--)
          this.stmts.push({ kind: 'hidden' });
      });
      const s = this.SUBRULE(this.statement);
      this.ACTION(() => this.stmts.push(s));
    });
    this.ACTION(() => {
      const next = this.LA(1) as Partial<RuleToken>;
      if (next.payload) this.stoppedAt = next.payload.index;
    });
  });

  private statement = this.RULE('statement', (): NftStmt => {
    return this.OR<NftStmt>(
      (this.statementAlts ??= {
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { ALT: () => this.SUBRULE(this.verdict) },
          { ALT: () => this.SUBRULE(this.counter) },
          { ALT: () => this.SUBRULE(this.reject) },
          { ALT: () => this.SUBRULE(this.nat) },
          { ALT: () => (this.CONSUME(Notrack), { kind: 'notrack' as const }) },
          { ALT: () => this.SUBRULE(this.xt) },
          { GATE: () => tokenMatcher(this.LA(2), Ref), ALT: () => this.SUBRULE(this.setUpdate) },
          {
            ALT: () => {
              const kw = this.CONSUME(KeywordStmt);
              return this.SUBRULE(this.keywordArgs, { ARGS: [kw.image as KeywordName] });
            },
          },
          {
            GATE: () => CT_KEYWORD_OBJECTS.has(this.LA(2).image) && this.LA(3).image !== 'set',
            ALT: () => {
              this.CONSUME(Ct);
              return this.SUBRULE2(this.keywordArgs, { ARGS: ['ct'] });
            },
          },
          { GATE: () => isWord(this.LA(1)), ALT: () => this.SUBRULE(this.exprStatement) },
        ],
      }),
    );
  });

  private exprStatement = this.RULE('exprStatement', (): NftStmt => {
    this.left = this.SUBRULE(this.expression, AT.left);
    return this.OR<NftStmt>(
      (this.exprStatementAlts ??= {
        IGNORE_AMBIGUITIES: true,
        DEF: [
          {
            ALT: () => {
              const target = this.left!;
              this.CONSUME(SetKw);
              return { kind: 'set-value', target, value: this.SUBRULE2(this.expression, AT.value) };
            },
          },
          {
            ALT: () => {
              const key = this.left!;
              this.CONSUME(Vmap);
              return { kind: 'vmap', key, map: this.SUBRULE(this.primary, AT.value) };
            },
          },
          {
            ALT: () => {
              const left = this.left!;
              const op = this.CONSUME(RelOp).image as NftRelOp;
              return { kind: 'match', left, op, right: this.SUBRULE3(this.expression, AT.value) };
            },
          },
          {
            ALT: () => {
              const left = this.left!;
              return { kind: 'match', left, right: this.SUBRULE4(this.expression, AT.value) };
            },
          },
        ],
      }),
    );
  });

  private verdict = this.RULE('verdict', (): NftVerdictStmt => {
    return this.OR<NftVerdictStmt>(
      (this.verdictAlts ??= [
        {
          ALT: () => ({
            kind: 'verdict',
            verdict: this.CONSUME(PlainVerdict).image as 'accept' | 'drop' | 'continue' | 'return',
          }),
        },
        {
          ALT: () => {
            const verdict = this.CONSUME(ChainVerdict).image as 'jump' | 'goto';
            const t = this.OR2<IToken>(
              (this.chainAlts ??= [{ ALT: () => this.CONSUME(AnyWord) }, { ALT: () => this.CONSUME(Str) }]),
            );
            return tokenMatcher(t, Str)
              ? { kind: 'verdict', verdict, chain: t.image, quoted: true }
              : { kind: 'verdict', verdict, chain: t.image };
          },
        },
      ]),
    );
  });

  /** `packets N bytes M`, when both words are there. */
  private counterValue = this.RULE('counterValue', (): NftCounterValue => {
    this.CONSUME(Packets);
    const packets = this.CONSUME(AnyWord).image;
    this.CONSUME(Bytes);
    return { packets, bytes: this.CONSUME2(AnyWord).image };
  });

  private counter = this.RULE('counter', (): NftStmt => {
    this.CONSUME(Counter);
    return this.OR<NftStmt>(
      (this.counterAlts ??= [
        {
          ALT: () => {
            this.CONSUME(Name);
            return { kind: 'counter', name: this.SUBRULE(this.primary, AT.value) };
          },
        },
        {
          GATE: () => this.LA(3).image === 'bytes' && isWord(this.LA(3)),
          ALT: () => ({ kind: 'counter', value: this.SUBRULE(this.counterValue) }),
        },
        { ALT: () => ({ kind: 'counter' }) },
      ]),
    );
  });

  private reject = this.RULE('reject', (): NftStmt => {
    this.CONSUME(Reject);
    let how: string | undefined;
    this.OPTION(() => {
      this.CONSUME(With);
      const proto = this.CONSUME(AnyWord).image;
      how = this.OR([
        { GATE: () => proto === 'tcp', ALT: () => `tcp ${this.CONSUME2(AnyWord).image}` },
        {
          GATE: () => this.LA(1).image === 'type' && isWord(this.LA(1)),
          ALT: () => {
            this.CONSUME3(AnyWord);
            return `${proto} type ${this.CONSUME4(AnyWord).image}`;
          },
        },
        { ALT: () => `${proto} ${this.CONSUME5(AnyWord).image}` },
      ]);
    });
    return how === undefined ? { kind: 'reject' } : { kind: 'reject', with: how };
  });

  private nat = this.RULE('nat', (): NftStmt => {
    const which = this.CONSUME(NatKind).image as 'dnat' | 'snat' | 'masquerade' | 'redirect';
    let family: string | undefined;
    let addr: NftExpr | undefined;
    const flags: string[] = [];
    this.OPTION({
      GATE: () => (this.LA(1).image === 'ip' || this.LA(1).image === 'ip6') && tokenMatcher(this.LA(2), To),
      DEF: () => (family = this.CONSUME(AnyWord).image),
    });
    this.OPTION2(() => {
      this.CONSUME(To);
      addr = this.SUBRULE(this.expression, AT.value);
    });
    this.MANY({
      GATE: () =>
        isWord(this.LA(1)) &&
        this.LA(1)
          .image.split(',')
          .every((f) => NAT_FLAGS.has(f)),
      DEF: () => flags.push(this.CONSUME2(AnyWord).image),
    });
    return { kind: 'nat', nat: which, ...(family ? { family } : {}), ...(addr ? { addr } : {}), flags };
  });

  private xt = this.RULE('xt', (): NftStmt => {
    this.CONSUME(Xt);
    const type = this.CONSUME(AnyWord);
    const name = this.CONSUME2(AnyWord).image;
    return this.ACTION(() => {
      if (type.image !== 'match' && type.image !== 'target') throw new MeaningError(type, 'xt needs match or target');
      return { kind: 'xt', type: type.image, name };
    });
  });

  private setUpdate = this.RULE('setUpdate', (): NftStmt => {
    const op = this.CONSUME(SetOp).image as 'add' | 'update' | 'delete';
    const set = this.CONSUME(Ref).image.slice(1);
    const block = this.SUBRULE(this.primary, AT.value);
    return this.ACTION(() => {
      if (block.kind !== 'set' || block.elements.length !== 1)
        throw new MeaningError(this.LA(0), `${op} @${set} needs one element in braces`);
      return { kind: 'set-update', op, set, element: block.elements[0]! };
    });
  });

  /** A statement's options kept as printed, up to the next statement or the rule's end. */
  private keywordArgs = this.RULE('keywordArgs', (kw: KeywordName): NftStmt => {
    const args: string[] = [];
    this.MANY({
      GATE: () => {
        const t = this.LA(1);
        if (tokenMatcher(t, EOF)) return false;
        // `queue … to numgen inc mod 2`: the queue number may be an expression (statement.c queue_stmt_print).
        if (this.queueExpression(kw, args)) return true;
        // `flow add @ft`, `ct count over 2`: the first argument may itself be a statement word.
        if (isWord(t) && args.length > 0 && (STMT_WORDS.has(t.image) || this.startsExpression())) return false;
        return !(kw === 'flow' && args.length === 2);
      },
      DEF: () =>
        this.OR([
          {
            GATE: () => this.queueExpression(kw, args),
            ALT: () => {
              const e = this.SUBRULE(this.expression, AT.value);
              this.ACTION(() => args.push(printExpr(e)));
            },
          },
          { ALT: () => args.push(this.CONSUME(AnyWord).image) },
          { ALT: () => args.push(`"${this.CONSUME(Str).image}"`) },
          {
            ALT: () => {
              const t = this.OR2([
                { ALT: () => this.CONSUME(LBrace) },
                { ALT: () => this.CONSUME(RBrace) },
                { ALT: () => this.CONSUME(Comma) },
                { ALT: () => this.CONSUME(Semi) },
                { ALT: () => this.CONSUME(OpenQuote) },
              ]);
              this.ACTION(() => {
                throw new MeaningError(t, `unexpected '${t.image}' in ${kw}`);
              });
            },
          },
        ]),
    });
    return { kind: 'keyword', keyword: kw, args };
  });

  /** After `queue … to`, an expression for the queue number (`symhash mod 2`, `jhash oif . meta mark mod 32`). */
  private queueExpression(kw: KeywordName, args: readonly string[]): boolean {
    return kw === 'queue' && args.at(-1) === 'to' && this.startsExpression();
  }

  /** Whether a selector starts here (`numgen …`, `ip saddr`), which ends a keyword statement's options. */
  private startsExpression(): boolean {
    return EXPRESSION_WORDS.has(this.LA(1).image) || payloadAt(this.LA(1), this.LA(2));
  }

  public expression = this.RULE('expression', (pos: Position): NftExpr => {
    const parts = [this.SUBRULE(this.binop, AT[pos])];
    this.MANY(() => {
      this.CONSUME(Dot);
      parts.push(this.SUBRULE2(this.binop, AT[pos]));
    });
    this.key = parts.length === 1 ? parts[0]! : { kind: 'concat', parts };
    return this.OR<NftExpr>(
      (this.expressionAlts ??= [
        {
          ALT: () => {
            const key = this.key!;
            this.CONSUME(MapKw);
            return { kind: 'map', key, data: this.SUBRULE(this.primary, AT.value) };
          },
        },
        { ALT: () => this.key! },
      ]),
    );
  });

  private binop = this.RULE('binop', (pos: Position): NftExpr => {
    let left = this.SUBRULE(this.primary, AT[pos]);
    this.MANY(() => {
      const w = this.CONSUME(BinOp).image;
      const right = this.SUBRULE2(this.primary, AT.value);
      this.ACTION(() => {
        const { op, spelled } = BINOPS[w]!;
        left = { kind: 'binop', op, left, right, ...(spelled ? { spelled } : {}) };
      });
    });
    return left;
  });

  private primary = this.RULE('primary', (pos: Position): NftExpr => {
    this.pos = pos;
    return this.OR<NftExpr>(
      (this.primaryAlts ??= {
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { ALT: () => ({ kind: 'literal', text: this.CONSUME(Str).image, quoted: true }) },
          {
            ALT: () => {
              this.CONSUME(LBrace);
              return { kind: 'set', elements: this.SUBRULE(this.elements) };
            },
          },
          { ALT: () => ({ kind: 'ref', name: this.CONSUME(Ref).image.slice(1) }) },
          {
            GATE: () => payloadAt(this.LA(1), this.LA(2)),
            ALT: () => ({
              kind: 'payload',
              protocol: this.CONSUME(AnyWord).image,
              field: this.CONSUME2(AnyWord).image,
            }),
          },
          {
            ALT: () => {
              this.CONSUME(Meta);
              return { kind: 'meta', key: this.CONSUME3(AnyWord).image, bare: false };
            },
          },
          { ALT: () => this.SUBRULE(this.ct) },
          { ALT: () => this.SUBRULE(this.fib) },
          { ALT: () => this.SUBRULE(this.numgen) },
          { ALT: () => this.SUBRULE(this.hash) },
          { GATE: () => this.pos === 'value', ALT: () => ({ kind: 'verdict', verdict: this.SUBRULE(this.verdict) }) },
          {
            GATE: () =>
              this.pos === 'left' ||
              (VALUE_SELECTORS.has(this.LA(1).image) &&
                (tokenMatcher(this.LA(2), BinOp) || tokenMatcher(this.LA(2), Dot) || tokenMatcher(this.LA(2), MapKw))),
            ALT: () => ({ kind: 'meta', key: this.CONSUME(BareMeta).image, bare: true }),
          },
          { GATE: () => this.pos === 'value', ALT: () => ({ kind: 'literal', text: this.CONSUME4(AnyWord).image }) },
        ],
      }),
    );
  });

  private ct = this.RULE('ct', (): NftExpr => {
    this.CONSUME(Ct);
    let direction: 'original' | 'reply' | undefined;
    let protocol: string | undefined;
    this.OPTION({
      GATE: () => isWord(this.LA(1)) && CT_DIRECTIONS.has(this.LA(1).image),
      DEF: () => (direction = this.CONSUME(AnyWord).image as 'original' | 'reply'),
    });
    this.OPTION2({
      GATE: () => (this.LA(1).image === 'ip' || this.LA(1).image === 'ip6') && isWord(this.LA(1)) && isWord(this.LA(2)),
      DEF: () => (protocol = this.CONSUME2(AnyWord).image),
    });
    const key = this.CONSUME3(AnyWord).image;
    return { kind: 'ct', key, ...(direction ? { direction } : {}), ...(protocol ? { protocol } : {}) };
  });

  private fib = this.RULE('fib', (): NftExpr => {
    this.CONSUME(Fib);
    const flags = [this.CONSUME(AnyWord).image];
    this.MANY(() => {
      this.CONSUME(Dot);
      flags.push(this.CONSUME2(AnyWord).image);
    });
    return { kind: 'fib', flags, result: this.CONSUME3(AnyWord).image };
  });

  private numgen = this.RULE('numgen', (): NftExpr => {
    this.CONSUME(Numgen);
    const mode = this.CONSUME(AnyWord).image;
    this.CONSUME(Mod);
    const mod = this.CONSUME2(AnyWord).image;
    let offset: string | undefined;
    this.OPTION(() => {
      this.CONSUME(Offset);
      offset = this.CONSUME3(AnyWord).image;
    });
    return offset === undefined ? { kind: 'numgen', mode, mod } : { kind: 'numgen', mode, mod, offset };
  });

  private hash = this.RULE('hash', (): NftExpr => {
    let fn: 'jhash' | 'symhash' = 'symhash';
    let expr: NftExpr | undefined;
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Jhash);
          fn = 'jhash';
          const parts = [this.SUBRULE(this.binop, AT.left)];
          this.MANY(() => {
            this.CONSUME(Dot);
            parts.push(this.SUBRULE2(this.binop, AT.left));
          });
          expr = parts.length === 1 ? parts[0]! : { kind: 'concat', parts };
        },
      },
      { ALT: () => this.CONSUME(Symhash) },
    ]);
    this.CONSUME(Mod);
    const mod = this.CONSUME(AnyWord).image;
    let seed: string | undefined;
    let offset: string | undefined;
    this.OPTION(() => {
      this.CONSUME(Seed);
      seed = this.CONSUME2(AnyWord).image;
    });
    this.OPTION2(() => {
      this.CONSUME(Offset);
      offset = this.CONSUME3(AnyWord).image;
    });
    return {
      kind: 'hash',
      function: fn,
      ...(expr ? { expr } : {}),
      mod,
      ...(seed ? { seed } : {}),
      ...(offset ? { offset } : {}),
    };
  });

  /** After `{`: the elements up to the matching `}`. */
  public elements = this.RULE('elements', (): NftElement[] => {
    return this.OR<NftElement[]>(
      (this.elementsAlts ??= [
        { ALT: () => (this.CONSUME(RBrace), []) },
        {
          ALT: () => {
            const list = [this.SUBRULE(this.element)];
            this.MANY(() => {
              this.CONSUME(Comma);
              list.push(this.SUBRULE2(this.element));
            });
            this.CONSUME2(RBrace);
            return list;
          },
        },
      ]),
    );
  });

  private element = this.RULE('element', (): NftElement => {
    const attrs: { -readonly [K in keyof NftElement]: NftElement[K] } = {
      key: this.SUBRULE(this.expression, AT.value),
    };
    this.MANY({
      GATE: () => !(tokenMatcher(this.LA(1), CommentKw) && !tokenMatcher(this.LA(2), Str)),
      DEF: () =>
        this.OR([
          {
            ALT: () => {
              this.CONSUME(Timeout);
              attrs.timeout = this.CONSUME(AnyWord).image;
            },
          },
          {
            ALT: () => {
              this.CONSUME(Expires);
              attrs.expires = this.CONSUME2(AnyWord).image;
            },
          },
          {
            ALT: () => {
              this.CONSUME(Counter);
              attrs.counter = this.SUBRULE(this.counterValue);
            },
          },
          {
            ALT: () => {
              this.CONSUME(CommentKw);
              attrs.comment = this.CONSUME(Str).image;
            },
          },
        ]),
    });
    this.OPTION(() => {
      this.CONSUME(Colon);
      attrs.value = this.SUBRULE2(this.expression, AT.value);
    });
    return attrs;
  });

  /** `typeof KEY [: DATA]` without its keyword. */
  public typeofBody = this.RULE('typeofBody', (): { key: NftExpr; data?: NftExpr } => {
    const key = this.SUBRULE(this.expression, AT.left);
    let data: NftExpr | undefined;
    this.OPTION(() => {
      this.CONSUME(Colon);
      data = this.SUBRULE2(this.expression, AT.left);
    });
    return data ? { key, data } : { key };
  });
}
