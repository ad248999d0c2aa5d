import { ownValue } from './own.js';
/** Prometheus-style label matchers: `name=value`, `name!=value`, `name=~regex`, `name!~regex`. */
export interface LabelMatcher {
  label: string;
  test(value: string | undefined): boolean;
}

const MATCHER = /^\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/;

export function parseMatcher(text: string): LabelMatcher {
  const parts = MATCHER.exec(text);
  if (!parts) throw new Error(`"${text}" is not a label matcher`);
  const [, label, operator, expected] = parts as unknown as [string, string, string, string];
  // Anchored like Prometheus: `severity=~critical|page` matches the whole value.
  const pattern = operator.endsWith('~') ? anchoredRegex(text, expected) : undefined;
  const test = (value: string | undefined): boolean => {
    const actual = value ?? '';
    switch (operator) {
      case '=':
        return actual === expected;
      case '!=':
        return actual !== expected;
      case '=~':
        return pattern!.test(actual);
      default:
        return !pattern!.test(actual);
    }
  };
  return { label, test };
}

function anchoredRegex(text: string, expected: string): RegExp {
  try {
    return new RegExp(`^(?:${expected})$`);
  } catch (error) {
    throw new Error(`"${text}" is not a label matcher: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function matchesAll(matchers: readonly string[], labels: Record<string, string>): boolean {
  return matchers.map(parseMatcher).every((matcher) => matcher.test(ownValue(labels, matcher.label)));
}
