import { useEffect, useRef } from 'react';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import type { Extension } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { columnsInScopeSource, keywordCompletion, sqlSchema } from '../../view/query-completion.ts';
import type { CompletionTable } from '../../view/query-completion.ts';

/*
 * The SQL editor: CodeMirror 6 with PostgreSQL's dialect, completing tables and columns from the catalog.
 *
 * It lives in a shadow root on purpose. CodeMirror injects its styles with style-mod, which uses a
 * constructable stylesheet (adoptedStyleSheets) only for a shadow root; in a document it writes a <style>
 * element, which our CSP (style-src 'self', no nonce) refuses. In the shadow root the styles are
 * adopted, not inline, so nothing is refused and nothing in the CSP has to give.
 */

const editorTheme = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid #c5ccd8', borderRadius: '6px', backgroundColor: '#fff', minHeight: '140px', maxHeight: '40vh' },
  '&.cm-focused': { outline: '2px solid #1a56c4', outlineOffset: '1px' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", overflow: 'auto', minHeight: '140px' },
  '.cm-content': { padding: '8px 0' },
  '.cm-gutters': { backgroundColor: '#f7f9fc', color: '#5d6779', borderRight: '1px solid #dde2ea' },
  '.cm-tooltip.cm-tooltip-autocomplete > ul': { fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", maxHeight: '16em' },
  '.cm-completionDetail': { color: '#5d6779', fontStyle: 'normal', marginLeft: '1.5em' },
  '.cm-tooltip-autocomplete completion-section': { fontWeight: '600', color: '#2f5dab', paddingLeft: '6px' },
  '.cm-completionInfo': { maxWidth: '320px', padding: '6px 8px', fontFamily: 'system-ui, sans-serif' },
});

function languageFor(tables: readonly CompletionTable[]): Extension {
  return [
    sql({ dialect: PostgreSQL, schema: sqlSchema(tables), upperCaseKeywords: true, keywordCompletion }),
    PostgreSQL.language.data.of({ autocomplete: columnsInScopeSource(tables) }),
  ];
}

interface SqlEditorProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** Ctrl+Enter / Cmd+Enter. */
  readonly onRun: () => void;
  readonly tables: readonly CompletionTable[];
}

export function SqlEditor({ value, onChange, onRun, tables }: SqlEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const handlers = useRef({ onChange, onRun });
  handlers.current = { onChange, onRun };

  useEffect(() => {
    const host = hostRef.current!;
    const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({ doc: value, extensions: editorExtensions(language.current, tables, handlers) }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
    // Created once; value and tables follow through the effects below.
  }, []);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: language.current.reconfigure(languageFor(tables)) });
  }, [tables]);

  // A statement re-opened from the history replaces the text; typing comes back equal and changes nothing.
  useEffect(() => {
    const view = viewRef.current;
    if (view !== null && view.state.doc.toString() !== value) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
  }, [value]);

  return <div ref={hostRef} className="sql-editor" data-testid="sql-editor" />;
}

function editorExtensions(
  language: Compartment,
  tables: readonly CompletionTable[],
  handlers: { current: { onChange: (v: string) => void; onRun: () => void } },
): Extension {
  const run = () => {
    handlers.current.onRun();
    return true;
  };
  return [
    Prec.highest(keymap.of([{ key: 'Mod-Enter', run, preventDefault: true }])),
    lineNumbers(),
    history(),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    autocompletion({ activateOnTyping: true, icons: false }),
    keymap.of([...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap]),
    language.of(languageFor(tables)),
    placeholder('SELECT … — Ctrl+Enter runs it'),
    EditorView.contentAttributes.of({ 'aria-label': 'SQL statement' }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) handlers.current.onChange(update.state.doc.toString());
    }),
    editorTheme,
  ];
}
