/**
 * The platform-neutral message: the core builds these, and each adapter renders them
 * (Slack Block Kit, Matrix HTML, plain text on the console).
 */
export type ActionKind = 'detected' | 'abort' | 'approve' | 'postpone';

export interface ChatAction {
  kind: ActionKind;
  label: string;
  /** What the action is for (a run id, or a schedule name for postpone); a click becomes the command `<kind> <target>`. */
  target: string;
  /** Destructive actions get a warning style where the platform has one. */
  style: 'primary' | 'danger' | 'default';
}

export type MessageTone = 'info' | 'good' | 'warning' | 'bad';

export interface ChatMessage {
  title: string;
  /** One line: where things stand. */
  status: string;
  tone: MessageTone;
  fields: { label: string; value: string }[];
  /** Timeline or list lines, in order. */
  lines: string[];
  actions: ChatAction[];
  /** A page with more (the run's scorecard page, when server.publicUrl is set). */
  link?: { label: string; url: string };
}

/** A plain answer: a few lines, no fields, no buttons. */
export function textMessage(title: string, lines: string[] = [], tone: MessageTone = 'info'): ChatMessage {
  return { title, status: '', tone, fields: [], lines, actions: [] };
}

/** The message as plain text: the console's rendering and every platform's fallback text. */
export function plainText(message: ChatMessage): string {
  const out = [message.title];
  if (message.status) out.push(message.status);
  for (const field of message.fields) out.push(`${field.label}: ${field.value}`);
  for (const line of message.lines) out.push(`  ${line}`);
  if (message.link) out.push(`${message.link.label}: ${message.link.url}`);
  const actions = actionsText(message);
  if (actions) out.push(actions);
  return out.join('\n');
}

/** The actions as the commands that do the same, for text-only platforms. */
export function actionsText(message: ChatMessage): string {
  if (!message.actions.length) return '';
  return `actions: ${message.actions.map((action) => `${action.kind} ${shortTarget(action)}`).join(' | ')}`;
}

/** Run ids are shown by their first 8 characters, as people type them; schedule names in full. */
export function shortTarget(action: ChatAction): string {
  return action.kind === 'postpone' ? action.target : action.target.slice(0, 8);
}
