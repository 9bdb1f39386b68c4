import { ConsoleError } from '../../../shared/errors.ts';
import { erbToString, evaluateErb, isTruthy, parseErbExpression, parseErbStatement, type ErbPlace } from './erb-expression.ts';
import type { Environment } from './expand-variables.ts';

export interface RenderedErb {
  readonly text: string;
  /** Line (1-based, of `text`) -> ENV names that were unset where that line printed an empty value. */
  readonly unsetByLine: ReadonlyMap<number, readonly string[]>;
}

interface Branch {
  readonly keyword: 'if' | 'unless';
  readonly line: number;
  readonly parentActive: boolean;
  active: boolean;
  taken: boolean;
  sawElse: boolean;
}

function invalid(place: ErbPlace, problem: string): ConsoleError {
  return new ConsoleError('CONFIG_INVALID', `${place.file} line ${place.line}: ${problem}`, {
    target: place.file,
    details: { line: place.line },
  });
}

function countLines(text: string): number {
  let count = 0;
  for (const char of text) if (char === '\n') count++;
  return count;
}

/** A rendering in progress: the output so far, and the `<% if %>` branches open at this point of the source. */
interface Rendering {
  readonly output: string[];
  readonly unsetByLine: Map<number, string[]>;
  readonly branches: Branch[];
  /** The line of the output the next text starts on. */
  outputLine: number;
  /**
   * Line breaks of printed tags that spanned lines (`<%= ENV.fetch(` newline `'PW') %>`), owed to the
   * output: written at the end of the line the value ends, so the text after the tag stays on its line
   * and every later line keeps its number in the source.
   */
  owedLines: number;
}

function isActive(rendering: Rendering): boolean {
  return rendering.branches.at(-1)?.active ?? true;
}

/** Appends text to the output; inside a branch not taken, only its newlines. Owed line breaks go at its first one. */
function emit(rendering: Rendering, text: string): void {
  let written = isActive(rendering) ? text : '\n'.repeat(countLines(text));
  const lineEnd = written.indexOf('\n');
  if (rendering.owedLines > 0 && lineEnd >= 0) {
    written = `${written.slice(0, lineEnd)}${'\n'.repeat(rendering.owedLines)}${written.slice(lineEnd)}`;
    rendering.owedLines = 0;
  }
  rendering.output.push(written);
  rendering.outputLine += countLines(written);
}

/** `<%= %>`: prints its value, noting the ENV names that were unset where it printed nothing. */
function printExpression(rendering: Rendering, tag: string, code: string, place: ErbPlace, env: Environment): void {
  const expression = parseErbExpression(code, place);
  if (!isActive(rendering)) {
    emit(rendering, '\n'.repeat(countLines(tag)));
    return;
  }
  const unset: string[] = [];
  const printed = erbToString(evaluateErb(expression, env, place, unset));
  if (printed === '' && unset.length > 0) {
    rendering.unsetByLine.set(rendering.outputLine, [...(rendering.unsetByLine.get(rendering.outputLine) ?? []), ...unset]);
  }
  // A value with a line break would silently reshape the YAML around it.
  if (printed.includes('\n')) throw invalid(place, 'an ERB value contains a line break; database.yml values must fit on their line.');
  emit(rendering, printed);
  rendering.owedLines += countLines(tag);
}

/** `<% if %>`, `elsif`, `else`, `unless`, `end`: opens, switches or closes a branch. */
function applyStatement(rendering: Rendering, code: string, place: ErbPlace, env: Environment): void {
  const { branches } = rendering;
  const statement = parseErbStatement(code, place);
  const top = branches.at(-1);
  switch (statement.kind) {
    case 'if':
    case 'unless': {
      const parentActive = isActive(rendering);
      const holds = parentActive && isTruthy(evaluateErb(statement.condition, env, place, [])) === (statement.kind === 'if');
      branches.push({ keyword: statement.kind, line: place.line, parentActive, active: holds, taken: holds, sawElse: false });
      break;
    }
    case 'elsif': {
      if (top === undefined || top.keyword !== 'if' || top.sawElse) throw invalid(place, '"elsif" without a matching "if".');
      const holds = top.parentActive && !top.taken && isTruthy(evaluateErb(statement.condition, env, place, []));
      top.active = holds;
      top.taken ||= holds;
      break;
    }
    case 'else':
      if (top === undefined || top.sawElse) throw invalid(place, '"else" without a matching "if".');
      top.active = top.parentActive && !top.taken;
      top.taken = true;
      top.sawElse = true;
      break;
    case 'end':
      if (top === undefined) throw invalid(place, '"end" without a matching "if".');
      branches.pop();
      break;
  }
}

/** One tag's code (what is between `<%` and `%>`): a comment, a value to print, or control flow. */
function renderTag(rendering: Rendering, tag: string, place: ErbPlace, env: Environment): void {
  // `<%-` and `-%>` only trim whitespace in Ruby; keeping it is harmless in YAML and keeps lines aligned.
  const marker = tag[0];
  const code = (marker === '=' || marker === '#' || marker === '-' ? tag.slice(1) : tag).replace(/-$/, '');
  if (marker === '#') {
    emit(rendering, '\n'.repeat(countLines(tag)));
    return;
  }
  if (marker === '=') {
    printExpression(rendering, tag, code, place, env);
    return;
  }
  applyStatement(rendering, code, place, env);
  emit(rendering, '\n'.repeat(countLines(tag)));
}

/**
 * Renders a database.yml the way Rails does (ERB without trim mode), with a hand-written evaluator.
 * Text in branches not taken is replaced by its newlines, so the output keeps the source's line numbers
 * and YAML errors point at the line the person sees in the file.
 */
export function renderErb(source: string, options: { file: string; env: Environment }): RenderedErb {
  const rendering: Rendering = { output: [], unsetByLine: new Map(), branches: [], outputLine: 1, owedLines: 0 };
  let sourceLine = 1;
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('<%', at);
    if (open === -1) {
      emit(rendering, source.slice(at));
      break;
    }
    if (source.startsWith('<%%', open)) {
      emit(rendering, `${source.slice(at, open)}<%`);
      sourceLine += countLines(source.slice(at, open));
      at = open + 3;
      continue;
    }
    emit(rendering, source.slice(at, open));
    sourceLine += countLines(source.slice(at, open));
    const close = source.indexOf('%>', open + 2);
    const place: ErbPlace = { file: options.file, line: sourceLine };
    if (close === -1) throw invalid(place, 'an ERB tag "<%" is never closed with "%>".');
    const tag = source.slice(open + 2, close);
    at = close + 2;
    sourceLine += countLines(tag);
    renderTag(rendering, tag, place, options.env);
  }

  rendering.output.push('\n'.repeat(rendering.owedLines));
  const unclosed = rendering.branches.at(-1);
  if (unclosed !== undefined) {
    throw invalid({ file: options.file, line: unclosed.line }, `"${unclosed.keyword}" has no matching "end".`);
  }
  return Object.freeze({ text: rendering.output.join(''), unsetByLine: rendering.unsetByLine });
}
