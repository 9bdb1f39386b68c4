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

/**
 * Renders a database.yml the way Rails does (ERB without trim mode), with a hand-written evaluator.
 * Text in branches not taken is replaced by its newlines, so the output keeps the source's line numbers
 * and YAML errors point at the line the person sees in the file.
 */
export function renderErb(source: string, options: { file: string; env: Environment }): RenderedErb {
  const output: string[] = [];
  const unsetByLine = new Map<number, string[]>();
  const branches: Branch[] = [];
  let sourceLine = 1;
  let outputLine = 1;
  let at = 0;

  const active = (): boolean => branches.at(-1)?.active ?? true;
  const emit = (text: string): void => {
    const kept = active() ? text : '\n'.repeat(countLines(text));
    output.push(kept);
    outputLine += countLines(kept);
  };

  while (at < source.length) {
    const open = source.indexOf('<%', at);
    if (open === -1) {
      emit(source.slice(at));
      break;
    }
    if (source.startsWith('<%%', open)) {
      emit(`${source.slice(at, open)}<%`);
      sourceLine += countLines(source.slice(at, open));
      at = open + 3;
      continue;
    }
    emit(source.slice(at, open));
    sourceLine += countLines(source.slice(at, open));
    const close = source.indexOf('%>', open + 2);
    const place: ErbPlace = { file: options.file, line: sourceLine };
    if (close === -1) throw invalid(place, 'an ERB tag "<%" is never closed with "%>".');
    const tag = source.slice(open + 2, close);
    at = close + 2;
    sourceLine += countLines(tag);
    // `<%-` and `-%>` only trim whitespace in Ruby; keeping it is harmless in YAML and keeps lines aligned.
    const marker = tag[0];
    const code = (marker === '=' || marker === '#' || marker === '-' ? tag.slice(1) : tag).replace(/-$/, '');

    if (marker === '#') {
      emit('\n'.repeat(countLines(tag)));
      continue;
    }
    if (marker === '=') {
      const expression = parseErbExpression(code, place);
      if (!active()) {
        emit('\n'.repeat(countLines(tag)));
        continue;
      }
      const unset: string[] = [];
      const printed = erbToString(evaluateErb(expression, options.env, place, unset));
      if (printed === '' && unset.length > 0) {
        unsetByLine.set(outputLine, [...(unsetByLine.get(outputLine) ?? []), ...unset]);
      }
      // A value with a line break would silently reshape the YAML around it.
      if (printed.includes('\n')) throw invalid(place, 'an ERB value contains a line break; database.yml values must fit on their line.');
      emit(printed);
      continue;
    }

    const statement = parseErbStatement(code, place);
    const top = branches.at(-1);
    switch (statement.kind) {
      case 'if':
      case 'unless': {
        const parentActive = active();
        const holds = parentActive && isTruthy(evaluateErb(statement.condition, options.env, place, [])) === (statement.kind === 'if');
        branches.push({ keyword: statement.kind, line: place.line, parentActive, active: holds, taken: holds, sawElse: false });
        break;
      }
      case 'elsif': {
        if (top === undefined || top.keyword !== 'if' || top.sawElse) throw invalid(place, '"elsif" without a matching "if".');
        const holds = top.parentActive && !top.taken && isTruthy(evaluateErb(statement.condition, options.env, place, []));
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
    emit('\n'.repeat(countLines(tag)));
  }

  const unclosed = branches.at(-1);
  if (unclosed !== undefined) {
    throw invalid({ file: options.file, line: unclosed.line }, `"${unclosed.keyword}" has no matching "end".`);
  }
  return Object.freeze({ text: output.join(''), unsetByLine });
}
