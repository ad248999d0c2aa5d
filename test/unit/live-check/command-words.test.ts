import { describe, expect, it } from 'vitest';
import { commandNeeds, programCandidates } from '../../../src/live-check/command-words.js';

const needs = (command: string) => commandNeeds(command, '/drills', 'here').map((need) => `${need.kind} ${need.word}`);

describe('the files a drill command needs', () => {
  it.each([
    ['./inject.sh --fast', ['program ./inject.sh']],
    ['terraform -chdir=infra apply', ['program terraform']],
    ['FOO=1 BAR=2 scripts/undo.sh', ['program scripts/undo.sh']],
    ['sh ./flags-on.sh', ['program sh', 'script ./flags-on.sh']],
    ['python3 -u tools/check.py arg', ['program python3', 'script tools/check.py']],
    ['bash -c "echo hi"', ['program bash']],
    ['true', []],
    ['test -f /tmp/x', []],
    ['"$HOME/bin/x"', []],
    ['$TOOL run', []],
    ['(cd x && make)', []],
    ['', []],
  ])('%j needs %j', (command, expected) => {
    expect(needs(command)).toEqual(expected);
  });

  it('looks a bare name up in PATH, and a path from the command folder', () => {
    const [bare] = commandNeeds('kubectl get pods', '/drills', 'here');
    expect(programCandidates(bare!, '/usr/bin::/opt/bin')).toEqual(['/usr/bin/kubectl', '/opt/bin/kubectl']);
    const [relative] = commandNeeds('../bin/x', '/drills/sub', 'here');
    expect(programCandidates(relative!, '/usr/bin')).toEqual(['/drills/bin/x']);
  });
});
