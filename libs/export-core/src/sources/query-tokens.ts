/**
 * A small SQL tokenizer per engine, used once per run (never on the row path) to check a
 * job's custom query before the exporter puts it inside its own SQL (`SELECT … FROM (<query>)
 * AS w`, `COPY (<query>) TO STDOUT`). It understands exactly what decides where the server's
 * own lexer sees code: strings, quoted identifiers, comments and dollar quotes. It does not
 * parse SQL; it guarantees that
 *
 * - the text is one statement (an optional trailing `;`), starting with SELECT, WITH, VALUES
 *   or TABLE (or `(` around one of those);
 * - every `)` closes a `(` of the query itself, so no `)` can close the exporter's wrapper;
 * - no clause that writes or locks is present: `INTO` (MySQL OUTFILE/DUMPFILE/@var, PostgreSQL
 *   SELECT INTO a new table), locking clauses, MySQL `PROCEDURE`, and data-modifying verbs
 *   (a PostgreSQL `WITH d AS (DELETE …)`);
 * - no comment the server executes or reads as instructions: MySQL `/*! … *\/` and MariaDB
 *   `/*M! … *\/` executable comments, and `/*+ … *\/` optimizer hints (MySQL `SET_VAR`,
 *   `MAX_EXECUTION_TIME` and pg_hint_plan's `Set(…)` change session limits).
 *
 * Lexing depends on server settings (MySQL NO_BACKSLASH_ESCAPES and ANSI_QUOTES, PostgreSQL
 * standard_conforming_strings), so the query is tokenized under every setting and must pass
 * under each: a text whose code/string boundaries move with a setting is refused.
 *
 * What it does not do: judge functions (SLEEP, GET_LOCK, LOAD_FILE, lo_export, dblink_exec).
 * Those are governed by the database role, which the sources check before a custom query runs
 * (see privilege-policy.ts and the README "Least-privilege database user").
 */
import { ConfigError } from '../errors.js';

export type QueryLanguage = 'mysql' | 'postgres';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';

export interface QueryToken {
  readonly kind: TokenKind;
  /** The token's text as written (a string's quotes included). */
  readonly text: string;
  /** Offset of the first character in the query text. */
  readonly start: number;
  readonly end: number;
  /** Parenthesis depth the token sits at (a `(` at depth 0 opens depth 1; its `)` is at depth 0). */
  readonly depth: number;
}

/** How the server lexes strings, which depends on session settings. */
export interface LexMode {
  /** `\` escapes the next character in '…' strings (MySQL default; PostgreSQL with standard_conforming_strings off). */
  readonly backslashInSingle: boolean;
  /** MySQL only: `\` escapes inside "…" (a string without ANSI_QUOTES; an identifier with it). */
  readonly backslashInDouble: boolean;
}

/** Every lexing the server could apply, whatever the session's sql_mode / standard_conforming_strings. */
const LEX_MODES: Record<QueryLanguage, readonly LexMode[]> = {
  mysql: [
    { backslashInSingle: true, backslashInDouble: true }, // default sql_mode
    { backslashInSingle: false, backslashInDouble: false }, // NO_BACKSLASH_ESCAPES
    { backslashInSingle: true, backslashInDouble: false }, // ANSI_QUOTES
  ],
  postgres: [
    { backslashInSingle: false, backslashInDouble: false }, // standard_conforming_strings = on (default)
    { backslashInSingle: true, backslashInDouble: false }, // standard_conforming_strings = off
  ],
};

/** The coded error of a refused query: names the token and where it is. */
export class QueryRefusedError extends ConfigError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

const STATEMENT_ONLY = 'query must be a single SELECT (or WITH … SELECT) statement';
const STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);
const VERBS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'REPLACE']);

/** Line and column (1-based) of an offset, for messages. */
function at(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `at line ${line}, column ${column}`;
}

function show(token: string): string {
  const short = token.length > 40 ? `${token.slice(0, 40)}…` : token;
  return JSON.stringify(short);
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isWordStart = (c: string) => /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
const isDigit = (c: string) => c >= '0' && c <= '9';

/**
 * Tokens of `text` as `language`'s lexer sees them under `mode`: comments and whitespace
 * dropped, strings and quoted identifiers one token each. Throws QueryRefusedError on what
 * cannot be lexed safely (unterminated strings/comments, executable comments, NUL, unbalanced
 * parentheses).
 */
export function tokenizeQuery(text: string, language: QueryLanguage, mode: LexMode = LEX_MODES[language][0] as LexMode): QueryToken[] {
  const tokens: QueryToken[] = [];
  const n = text.length;
  let i = 0;
  let depth = 0;
  const refuse = (code: string, what: string, offset: number): never => {
    throw new QueryRefusedError(code, `query refused: ${what} ${at(text, offset)}`);
  };
  const push = (kind: TokenKind, start: number, end: number) => tokens.push({ kind, text: text.slice(start, end), start, end, depth });

  /** End (exclusive) of a quoted run opened at `start` by `quote`; `''`-style doubling continues it. */
  const quotedEnd = (start: number, quote: string, backslash: boolean, what: string): number => {
    let j = start + 1;
    for (;;) {
      if (j >= n) return refuse('QUERY_UNTERMINATED', `${what} starting with ${show(text.slice(start, start + 20))} is never closed`, start);
      const c = text[j];
      if (backslash && c === '\\') {
        j += 2;
      } else if (c === quote) {
        if (text[j + 1] === quote) j += 2;
        else return j + 1;
      } else {
        j += 1;
      }
    }
  };

  if (text.includes('\u0000')) refuse('QUERY_INVALID_CHARACTER', 'a NUL character', text.indexOf('\u0000'));

  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1] ?? '';
    if (isSpace(c)) {
      i += 1;
      continue;
    }
    // ---- comments
    const mysqlDashComment = language === 'mysql' && c === '-' && next === '-' && dashCommentFollows(text[i + 2]);
    if (mysqlDashComment === undefined) {
      refuse('QUERY_AMBIGUOUS', `"--" followed by a non-ASCII character (some servers read a comment there, others do not)`, i);
    }
    if ((language === 'postgres' && c === '-' && next === '-') || mysqlDashComment === true || (language === 'mysql' && c === '#')) {
      let j = i;
      while (j < n && text[j] !== '\n' && !(language === 'postgres' && text[j] === '\r')) {
        // MySQL ends a line comment at "\n" only; a lone "\r" would end it for a reader that disagrees.
        if (text[j] === '\r' && text[j + 1] !== '\n') refuse('QUERY_AMBIGUOUS', 'a line comment containing a lone carriage return', j);
        j += 1;
      }
      i = j;
      continue;
    }
    if (c === '/' && next === '*') {
      const opener = text.slice(i, i + 4);
      if (language === 'mysql' && (opener.startsWith('/*!') || opener.startsWith('/*M!'))) {
        refuse('QUERY_EXECUTABLE_COMMENT', `the executable comment ${show(text.slice(i, i + 12))} (the server runs its content)`, i);
      }
      if (opener.startsWith('/*+')) {
        refuse('QUERY_EXECUTABLE_COMMENT', `the optimizer hint ${show(text.slice(i, i + 12))} (hints can change session settings such as the statement timeout)`, i);
      }
      let j = i + 2;
      let nesting = 1;
      while (nesting > 0) {
        if (j >= n) refuse('QUERY_UNTERMINATED', 'a /* comment that is never closed', i);
        if (text[j] === '*' && text[j + 1] === '/') {
          nesting -= 1;
          j += 2;
        } else if (language === 'postgres' && text[j] === '/' && text[j + 1] === '*') {
          // PostgreSQL nests block comments; MySQL ends at the first "*/".
          nesting += 1;
          j += 2;
        } else {
          j += 1;
        }
      }
      i = j;
      continue;
    }
    // ---- strings and quoted identifiers
    if (c === "'") {
      // PostgreSQL E'…' strings always take backslash escapes: the word "E" right before the quote.
      const previous = tokens.at(-1);
      const eString = language === 'postgres' && previous?.kind === 'word' && previous.end === i && /^[eE]$/.test(previous.text);
      const end = quotedEnd(i, "'", mode.backslashInSingle || eString, 'a string');
      if (eString) tokens.pop();
      push('string', eString ? i - 1 : i, end);
      i = end;
      continue;
    }
    if (c === '"') {
      const end = quotedEnd(i, '"', language === 'mysql' && mode.backslashInDouble, language === 'mysql' ? 'a "…" string' : 'a quoted identifier');
      push(language === 'mysql' ? 'string' : 'quoted', i, end);
      i = end;
      continue;
    }
    if (c === '`' && language === 'mysql') {
      const end = quotedEnd(i, '`', false, 'a quoted identifier');
      push('quoted', i, end);
      i = end;
      continue;
    }
    if (c === '$' && language === 'postgres') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        if (close < 0) refuse('QUERY_UNTERMINATED', `the dollar-quoted string opened by ${show(tag[0])} is never closed`, i);
        const end = close + tag[0].length;
        push('string', i, end);
        i = end;
        continue;
      }
    }
    // ---- words and numbers
    if (isWordStart(c) || (c === '$' && language === 'mysql')) {
      let j = i + 1;
      while (j < n && (isWordStart(text[j] as string) || isDigit(text[j] as string) || text[j] === '$')) j += 1;
      push('word', i, j);
      i = j;
      continue;
    }
    if (isDigit(c)) {
      // No "$" in a number: on PostgreSQL `1$a$` is 1 followed by a dollar quote.
      let j = i + 1;
      while (j < n && (/[A-Za-z0-9_.]/.test(text[j] as string) || (language === 'mysql' && text[j] === '$'))) j += 1;
      push('number', i, j);
      i = j;
      continue;
    }
    // ---- punctuation
    if (c === '(') {
      push('punct', i, i + 1);
      depth += 1;
      i += 1;
      continue;
    }
    if (c === ')') {
      if (depth === 0) refuse('QUERY_UNBALANCED', 'a ")" that closes no "(" of the query (it would close the exporter\'s own SQL)', i);
      depth -= 1;
      push('punct', i, i + 1);
      i += 1;
      continue;
    }
    push('punct', i, i + 1);
    i += 1;
  }
  if (depth > 0) {
    const open = [...tokens].reverse().find((t) => t.text === '(' && t.depth === depth - 1) as QueryToken;
    refuse('QUERY_UNBALANCED', 'a "(" that is never closed', open.start);
  }
  return tokens;
}

/**
 * MySQL reads `--` as a comment only when a space or control character follows. Returns
 * undefined where servers could disagree (a non-ASCII character), so the caller refuses.
 */
function dashCommentFollows(after: string | undefined): boolean | undefined {
  if (after === undefined) return true;
  const code = after.charCodeAt(0);
  if (code <= 32 || code === 127) return true;
  if (code >= 0x80) return undefined;
  return false;
}

/**
 * Checks a custom query (see the file comment) under every lexing of `language` and returns
 * its text ready to embed: up to its last token, so no trailing comment or `;` can swallow
 * what the exporter writes after it. Throws QueryRefusedError naming the token and position.
 */
export function checkCustomQuery(query: string, language: QueryLanguage): string {
  let end: number | undefined;
  for (const [index, mode] of LEX_MODES[language].entries()) {
    let last: number;
    try {
      last = checkStatement(query, tokenizeQuery(query, language, mode), language);
    } catch (error) {
      // The first lexing is the server's default; a refusal only under another one means the
      // text reads differently depending on a setting, and says so.
      if (index === 0 || !(error instanceof QueryRefusedError)) throw error;
      throw new QueryRefusedError(
        'QUERY_AMBIGUOUS',
        `${error.message} (when the server reads ${settingOf(language, mode)}): the query reads differently depending on a server setting; ` +
          "write a quote inside a string as '' rather than \\'",
      );
    }
    // Every lexing must agree on where the statement ends (they agree on the code, or one refused).
    if (end !== undefined && last !== end) {
      throw new QueryRefusedError('QUERY_AMBIGUOUS', 'query refused: its strings read differently under different server settings (write quotes as \'\' rather than \\\')');
    }
    end = last;
  }
  return query.slice(0, end);
}

function settingOf(language: QueryLanguage, mode: LexMode): string {
  if (language === 'postgres') return 'backslashes as escapes (standard_conforming_strings = off)';
  return mode.backslashInSingle ? '"…" as identifiers (sql_mode ANSI_QUOTES)' : 'backslashes literally (sql_mode NO_BACKSLASH_ESCAPES)';
}

/** The statement-level rules over one tokenization; returns the end offset of the statement. */
function checkStatement(text: string, tokens: readonly QueryToken[], language: QueryLanguage): number {
  const refuse = (code: string, token: QueryToken, why: string): never => {
    throw new QueryRefusedError(code, `query refused: ${show(token.text)} ${at(text, token.start)}: ${why}`);
  };
  const semicolon = tokens.findIndex((t) => t.text === ';' && t.kind === 'punct');
  if (semicolon >= 0 && semicolon < tokens.length - 1) {
    refuse('QUERY_MULTIPLE_STATEMENTS', tokens[semicolon + 1] as QueryToken, 'only one statement may be given (a single trailing ";" is allowed)');
  }
  const body = semicolon >= 0 ? tokens.slice(0, semicolon) : tokens;
  const first = body.find((t) => t.text !== '(');
  if (!first || first.kind !== 'word' || !STARTS.has(first.text.toUpperCase())) throw new QueryRefusedError('QUERY_INVALID', STATEMENT_ONLY);

  const upper = (t: QueryToken | undefined) => (t?.kind === 'word' ? t.text.toUpperCase() : '');
  for (let k = 0; k < body.length; k += 1) {
    const token = body[k] as QueryToken;
    const word = upper(token);
    if (!word) continue;
    const after = upper(body[k + 1]);
    if (word === 'INTO') {
      refuse('QUERY_CLAUSE_REFUSED', token, language === 'mysql' ? 'INTO writes a server file or sets variables (INTO OUTFILE/DUMPFILE/@var)' : 'SELECT INTO creates a table');
    }
    if (word === 'FOR' && (after === 'UPDATE' || after === 'SHARE' || (language === 'postgres' && (after === 'NO' || after === 'KEY')))) {
      refuse('QUERY_CLAUSE_REFUSED', token, `the locking clause FOR ${after}… takes row locks the export does not need`);
    }
    if (language === 'mysql' && word === 'LOCK') refuse('QUERY_CLAUSE_REFUSED', token, 'the locking clause LOCK IN SHARE MODE takes row locks the export does not need');
    if (language === 'mysql' && word === 'PROCEDURE') refuse('QUERY_CLAUSE_REFUSED', token, 'a PROCEDURE clause runs a procedure over the result');
    // A verb followed by "(" is a function (MySQL INSERT(), REPLACE()); otherwise it starts a statement.
    if (VERBS.has(word) && body[k + 1]?.text !== '(') {
      refuse('QUERY_CLAUSE_REFUSED', token, `${word} changes data; a query may only read (quote a column named ${word.toLowerCase()})`);
    }
  }
  const last = body.at(-1) as QueryToken;
  return last.end;
}
