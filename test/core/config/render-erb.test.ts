import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../../../shared/errors.ts';
import { renderErb } from '../../../electron/core/config/render-erb.ts';

const file = 'config/database.yml';
const render = (source: string, env: Record<string, string | undefined> = {}) => renderErb(source, { file, env });

function errorOf(run: () => unknown): ConsoleError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConsoleError) return error;
    throw error;
  }
  throw new Error('expected a ConsoleError');
}

describe('renderErb', () => {
  it('reads ENV with single and double quotes; an unset variable prints nothing and is recorded on its line', () => {
    const out = render(`a: <%= ENV['A'] %>\nb: <%= ENV["B"] %>\n`, { A: 'alpha' });
    expect(out.text).toBe('a: alpha\nb: \n');
    expect([...out.unsetByLine]).toEqual([[2, ['B']]]);
  });

  it('evaluates ENV.fetch with a block default, a second-argument default, and a set value', () => {
    expect(render(`pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>`).text).toBe('pool: 5');
    expect(render(`pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>`, { RAILS_MAX_THREADS: '12' }).text).toBe('pool: 12');
    expect(render(`host: <%= ENV.fetch('DB_HOST', 'dflt') %>`).text).toBe('host: dflt');
    expect(render(`host: <%= ENV.fetch("DB_HOST") %>`, { DB_HOST: 'db.internal' }).text).toBe('host: db.internal');
  });

  it('reports ENV.fetch without a default, naming the variable, file and line', () => {
    const error = errorOf(() => render(`a: 1\nb: 2\nhost: <%= ENV.fetch("DB_HOST") %>\n`));
    expect(error.code).toBe('CONFIG_MISSING_VARIABLE');
    expect(error.target).toBe(file);
    expect(error.message).toContain('config/database.yml line 3');
    expect(error.message).toContain('DB_HOST');
  });

  it('does not evaluate ENV.fetch in a branch that is not taken', () => {
    const out = render(`<% if ENV['USE_REMOTE'].present? %>\nhost: <%= ENV.fetch("REMOTE_HOST") %>\n<% end %>\nx: 1\n`);
    expect(out.text).toBe('\n\n\nx: 1\n');
  });

  it('follows Ruby for ||: nil falls through, an empty string does not', () => {
    expect(render(`<%= ENV['A'] || ENV['B'] %>`, { B: 'bee' }).text).toBe('bee');
    expect(render(`<%= ENV['A'] || 'literal' %>`).text).toBe('literal');
    expect(render(`<%= ENV['A'] || 'literal' %>`, { A: '' }).text).toBe('');
    const both = render(`x: <%= ENV['A'] || ENV['B'] %>`);
    expect(both.unsetByLine.get(1)).toEqual(['A', 'B']);
  });

  it('takes if/else/end branches on present? and blank?, and keeps line numbers', () => {
    const source = [
      "<% if ENV['X'].present? %>",
      'x: set',
      '<% else %>',
      'x: unset',
      '<% end %>',
      "<% if ENV['Y'].blank? %>",
      'y: blank',
      '<% end %>',
      'z: <%= ENV["Z"] %>',
    ].join('\n');
    const unset = render(source, { Y: '  ' });
    expect(unset.text).toBe('\n\n\nx: unset\n\n\ny: blank\n\nz: ');
    expect(unset.unsetByLine.get(9)).toEqual(['Z']);
    const set = render(source, { X: 'yes', Y: 'y', Z: 'zed' });
    expect(set.text).toBe('\nx: set\n\n\n\n\n\n\nz: zed');
    expect(set.text.split('\n')).toHaveLength(source.split('\n').length);
  });

  it('handles unless, elsif and nested blocks', () => {
    const nested = [
      "<% unless ENV['OFF'] %>",
      "<% if ENV['A'].present? %>a<% elsif ENV['B'].present? %>b<% else %>c<% end %>",
      "<% if ENV['INNER'].present? %>inner<% end %>",
      '<% end %>',
    ].join('\n');
    expect(render(nested, { B: '1', INNER: '1' }).text).toBe('\nb\ninner\n');
    expect(render(nested, { A: '1', B: '1' }).text).toBe('\na\n\n');
    expect(render(nested, {}).text).toBe('\nc\n\n');
    expect(render(nested, { OFF: '1', A: '1', INNER: '1' }).text).toBe('\n\n\n');
  });

  it('drops <%# comments %> but keeps their line breaks, and prints <%% literally', () => {
    expect(render('a: 1 <%# a note\n over two lines %>\nb: <%% x')).toEqual(expect.objectContaining({ text: 'a: 1 \n\nb: <% x' }));
  });

  it('refuses anything else as unsupported ERB, naming the file and line', () => {
    for (const code of [
      '<%= Rails.root %>',
      '<%= `ls` %>',
      '<% system("rm -rf /") %>',
      '<%= "#{ENV[\'A\']}" %>',
      '<%= ENV %>',
      '<%= ENV.fetch(name) %>',
      "<% if ENV['MODE'] == 'x' %>",
    ]) {
      const error = errorOf(() => render(`a: 1\nb: ${code}\n`));
      expect(error.code, code).toBe('CONFIG_INVALID');
      expect(error.message, code).toContain('config/database.yml line 2: unsupported ERB');
      expect(error.target).toBe(file);
    }
  });

  it('refuses unbalanced blocks and unclosed tags', () => {
    expect(errorOf(() => render("x\n<% if ENV['A'] %>\ny\n")).message).toContain('line 2: "if" has no matching "end"');
    expect(errorOf(() => render('<% end %>')).message).toContain('"end" without a matching "if"');
    expect(errorOf(() => render('<% else %>')).code).toBe('CONFIG_INVALID');
    expect(errorOf(() => render("a: <%= ENV['A']\n")).message).toContain('never closed');
  });
});
