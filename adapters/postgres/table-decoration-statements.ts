import pg from 'pg';
import { SQLSTATE } from './savepoint.js';
import { qualifiedName, type ColumnDefinition, type Grant, type TableDefinition, type TableName } from './table-definition.js';

/** A statement run after the rows are in; `tolerate` lets it fail without failing the restore, with a note. */
export interface Step {
  sql: string;
  tolerate?: { states: readonly string[]; note: (error: string) => string };
}

const TRIGGER_STATE = { D: 'disable trigger', R: 'enable replica trigger', A: 'enable always trigger' } as const;

/**
 * What makes the rebuilt table behave like the old one besides its rows and keys: triggers
 * (created after the load, so that they do not fire on restored rows), row security,
 * replica identity, comments, owner and privileges. A role that does not exist here (a
 * restore into another cluster) skips only what names it, with a note.
 */
export function decorationSteps(
  definition: TableDefinition,
  to: TableName,
  rename: (name: string) => string,
  sequenceOf: (column: ColumnDefinition) => TableName,
): Step[] {
  const table = qualifiedName(to);
  const id = pg.escapeIdentifier;
  const steps: Step[] = [];
  for (const trigger of definition.triggers) {
    steps.push({ sql: `${trigger.head} ON ${table} ${trigger.tail}` });
    if (trigger.enabled !== 'O') steps.push({ sql: `alter table ${table} ${TRIGGER_STATE[trigger.enabled]} ${id(trigger.name)}` });
  }
  if (definition.rowSecurity.enabled) steps.push({ sql: `alter table ${table} enable row level security` });
  if (definition.rowSecurity.forced) steps.push({ sql: `alter table ${table} force row level security` });
  for (const policy of definition.policies) {
    const roles = policy.roles.map((role) => (role === null ? 'public' : id(role))).join(', ');
    const using = policy.using === null ? '' : ` using (${policy.using})`;
    const check = policy.withCheck === null ? '' : ` with check (${policy.withCheck})`;
    steps.push(
      withRoles(
        `create policy ${id(policy.name)} on ${table} as ${policy.permissive ? 'permissive' : 'restrictive'} for ${policy.command} to ${roles}${using}${check}`,
        `policy ${policy.name} on ${table}`,
      ),
    );
  }
  const identity = definition.replicaIdentity;
  if (identity.kind !== 'default') {
    const how = identity.kind === 'index' ? `using index ${id(rename(identity.index))}` : identity.kind;
    steps.push({ sql: `alter table ${table} replica identity ${how}` });
  }
  steps.push(...commentSteps(definition, table, to, rename));
  if (definition.owner !== undefined) {
    steps.push(withRoles(`alter table ${table} owner to ${id(definition.owner)}`, `owner ${definition.owner} of ${table}`));
  }
  const owner = definition.owner;
  steps.push(...aclSteps(definition.grants, `table ${table}`, owner));
  for (const column of definition.columns) {
    for (const grant of column.grants ?? []) steps.push(grantStep(grant, `(${id(column.name)}) on table ${table}`, owner));
    if (column.sequence) steps.push(...aclSteps(column.sequence.grants, `sequence ${qualifiedName(sequenceOf(column))}`, owner));
  }
  return steps;
}

function commentSteps(definition: TableDefinition, table: string, to: TableName, rename: (name: string) => string): Step[] {
  const id = pg.escapeIdentifier;
  const comments: [string, string | null][] = [
    [`table ${table}`, definition.comment],
    ...definition.columns.map((column): [string, string | null] => [`column ${table}.${id(column.name)}`, column.comment]),
    ...definition.constraints.map((c): [string, string | null] => [`constraint ${id(rename(c.name))} on ${table}`, c.comment]),
    ...definition.indexes.map((index): [string, string | null] => [
      `index ${qualifiedName({ schema: to.schema, table: rename(index.name) })}`,
      index.comment,
    ]),
    ...definition.triggers.map((trigger): [string, string | null] => [`trigger ${id(trigger.name)} on ${table}`, trigger.comment]),
    ...definition.policies.map((policy): [string, string | null] => [`policy ${id(policy.name)} on ${table}`, policy.comment]),
  ];
  return comments
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([object, text]) => ({ sql: `comment on ${object} is ${pg.escapeLiteral(text)}` }));
}

/**
 * An ACL as it was. null is the default privileges, which a new object has already. Else
 * the owner's implicit privileges are revoked first: the ACL lists what the owner kept.
 */
function aclSteps(grants: Grant[] | null, object: string, owner: string | undefined): Step[] {
  if (grants === null) return [];
  const from = owner === undefined ? 'current_user' : pg.escapeIdentifier(owner);
  return [
    withRoles(`revoke all on ${object} from ${from}`, `privileges of ${owner ?? 'the owner'} on ${object}`),
    ...grants.map((grant) => grantStep(grant, `on ${object}`, owner)),
  ];
}

/**
 * `on` is `on table x` or `(column) on table x`. A grant made by someone other than the
 * owner (who held the grant option) is made again as that role: PostgreSQL records the
 * grantor, and `GRANTED BY` only accepts the current user.
 */
function grantStep(grant: Grant, on: string, owner: string | undefined): Step {
  const grantee = grant.grantee === null ? 'public' : pg.escapeIdentifier(grant.grantee);
  const option = grant.grantable ? ' with grant option' : '';
  const text = `grant ${grant.privilege} ${on} to ${grantee}${option}`;
  if (grant.grantor === owner) return withRoles(text, text);
  // One statement, so that rolling back to the savepoint also ends the `set role`.
  return withRoles(`set role ${pg.escapeIdentifier(grant.grantor)}; ${text}; reset role`, `${text} (granted by ${grant.grantor})`, [
    SQLSTATE.invalidParameterValue,
    SQLSTATE.insufficientPrivilege,
  ]);
}

function withRoles(sql: string, what: string, alsoTolerated: string[] = []): Step {
  return {
    sql,
    tolerate: {
      states: [SQLSTATE.undefinedObject, ...alsoTolerated],
      note: (error) => `skipped ${what}: ${error}; create the role, then run it again by hand`,
    },
  };
}
