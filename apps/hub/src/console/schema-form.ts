import { z } from 'zod';
import { installationPolicySchema } from '../pipeline/policy.js';
import { type Html, html } from './html.js';

/** One property of a channel type's config JSON Schema (what `GET /channel-types` serves). */
export interface JsonProperty {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonProperty[];
  default?: unknown;
  description?: string;
  title?: string;
  writeOnly?: boolean;
  format?: string;
  minLength?: number;
  /** The adapter fills the key in while installing (from the platform), when it is left empty. */
  'x-filled-on-install'?: boolean;
}

export interface ObjectSchema {
  properties?: Record<string, JsonProperty>;
  required?: string[];
}

/** Field problems by config key (from the API's zod issues). */
export type FieldErrors = Record<string, string[]>;

// Help for the hub's own settings, which every channel installation has.
const POLICY_HELP: Record<string, string> = {
  group_policy:
    '“mention”: group messages reach the agent only when they address the bot. “disabled”: never.',
  allow_external_senders: 'Let senders from another organisation (shared chats, external guests) through.',
  tenant_key:
    'The platform tenant (workspace, organisation) this installation belongs to. When set, events of any other tenant are dropped (wrong_tenant).',
  auto_provision:
    'Make first-contact senders members of this workspace automatically. Off: a new sender gets a link to bind their account first.',
  link_by_verified_email:
    'A provisioned sender whose platform reports a verified email that already belongs to a user becomes that user.',
};

/** A channel type's schema with the hub's help on the policy keys it declares itself. */
export function withPolicyHelp(adapter: ObjectSchema): ObjectSchema {
  const properties = Object.fromEntries(
    Object.entries(adapter.properties ?? {}).map(([key, property]) => [
      key,
      POLICY_HELP[key] && !property.description ? { ...property, description: POLICY_HELP[key] } : property,
    ]),
  );
  return { ...adapter, properties };
}

/**
 * The hub-wide installation settings as a JSON Schema, with their help text, less the keys the
 * channel type declares itself (its own field is shown once, with the hub's help when it has none).
 */
export function policySchema(adapter: ObjectSchema): ObjectSchema {
  const schema = z.toJSONSchema(installationPolicySchema, { io: 'input' }) as ObjectSchema;
  const own = adapter.properties ?? {};
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {})
      .filter(([key]) => !(key in own))
      .map(([key, property]) => [
        key,
        { ...property, description: property.description ?? POLICY_HELP[key] },
      ]),
  );
  return { properties, required: [] };
}

function kindOf(property: JsonProperty): string {
  if (property.enum) return 'enum';
  const types = [property.type, ...(property.anyOf ?? []).map((p) => p.type)]
    .flat()
    .filter((t): t is string => typeof t === 'string' && t !== 'null');
  return types[0] ?? 'string';
}

function fieldId(prefix: string, key: string): string {
  return `${prefix}-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function label(key: string, property: JsonProperty): string {
  return property.title ?? key.replace(/_/g, ' ');
}

export interface RenderOptions {
  /** Input names are `<prefix>.<key>`; ids `<prefix>-<key>`. */
  prefix: string;
  values: Record<string, unknown>;
  errors: FieldErrors;
  /** Editing a stored config: secrets left blank keep their stored value. */
  editing?: boolean;
  /** Secrets stored for the installation (editing). */
  secretsSet?: readonly string[];
}

/**
 * Form fields for each property of a config JSON Schema: secrets as password inputs that are
 * never filled in, enums as selects, booleans as checkboxes, numbers and strings as inputs,
 * anything else as JSON. Each problem the API reported is shown under its field.
 */
export function renderFields(schema: ObjectSchema, options: RenderOptions): Html[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, property]) => {
    const id = fieldId(options.prefix, key);
    const name = `${options.prefix}.${key}`;
    const errors = options.errors[key] ?? [];
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    const described = [property.description || property.writeOnly ? hintId : '', errors.length ? errorId : '']
      .filter(Boolean)
      .join(' ');
    const aria = html`${described ? html` aria-describedby="${described}"` : ''}${errors.length ? html` aria-invalid="true"` : ''}`;
    const value = options.values[key];
    const kind = kindOf(property);
    const secretHint = property.writeOnly
      ? options.editing && options.secretsSet?.includes(key)
        ? 'Secret: stored, never shown. Leave empty to keep it.'
        : 'Secret: stored sealed, never shown again.'
      : '';
    // Schema descriptions are phrases without a full stop; the secret note is its own sentence.
    const description = property.description?.trim() ?? '';
    const sentence =
      description && secretHint && !/[.!?)]$/.test(description) ? `${description}.` : description;
    const hint = [sentence, secretHint].filter(Boolean).join(' ');
    const help = hint ? html`<p class="hint" id="${hintId}">${hint}</p>` : null;
    const problems = errors.length
      ? html`<p class="error-text" id="${errorId}">${errors.join('; ')}</p>`
      : null;
    const filledIn = property['x-filled-on-install'] === true && !options.editing;
    const req = required.has(key)
      ? html` <span class="req">${filledIn ? '(optional: filled in from the platform)' : '(required)'}</span>`
      : null;
    let input: Html;
    if (kind === 'boolean') {
      const checked = value === true || (value === undefined && property.default === true);
      return html`<div class="field check${errors.length ? ' invalid' : ''}"><input type="hidden" name="${name}" value="false">
<input type="checkbox" id="${id}" name="${name}" value="true"${checked ? html` checked` : ''}${aria}><label for="${id}">${label(key, property)}</label>${help}${problems}</div>`;
    }
    if (property.writeOnly) {
      input = html`<input type="password" id="${id}" name="${name}" autocomplete="off"${aria}>`;
    } else if (kind === 'enum') {
      const current = value ?? property.default;
      input = html`<select id="${id}" name="${name}"${aria}>${
        required.has(key) || property.default !== undefined ? '' : html`<option value="">(not set)</option>`
      }${(property.enum ?? []).map(
        (option) =>
          html`<option value="${String(option)}"${String(option) === String(current) ? html` selected` : ''}>${String(option)}</option>`,
      )}</select>`;
    } else if (kind === 'object' || kind === 'array') {
      input = html`<textarea id="${id}" name="${name}" rows="3"${aria}>${value === undefined ? '' : JSON.stringify(value)}</textarea>`;
    } else {
      const type = kind === 'integer' || kind === 'number' ? 'number' : 'text';
      input = html`<input type="${type}" id="${id}" name="${name}" value="${value === undefined || value === null ? '' : String(value)}"${
        property.default !== undefined ? html` placeholder="${String(property.default)}"` : ''
      }${aria}>`;
    }
    return html`<div class="field${errors.length ? ' invalid' : ''}"><label for="${id}">${label(key, property)}${req}</label>${input}${help}${problems}</div>`;
  });
}

/**
 * The config a submitted form describes: empty fields are left out (so defaults apply, and on an
 * edit the stored value, secrets included, is kept); values are typed by the schema.
 */
export function readFields(
  schema: ObjectSchema,
  form: URLSearchParams,
  prefix: string,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const raw = form.getAll(`${prefix}.${key}`).at(-1);
    if (raw === undefined) continue;
    const kind = kindOf(property);
    if (kind === 'boolean') {
      config[key] = raw === 'true';
      continue;
    }
    const text = raw.trim();
    if (text === '') continue;
    if (kind === 'integer' || kind === 'number') {
      const number = Number(text);
      config[key] = Number.isFinite(number) ? number : text;
    } else if (kind === 'object' || kind === 'array') {
      try {
        config[key] = JSON.parse(text);
      } catch {
        config[key] = text;
      }
    } else {
      config[key] = text;
    }
  }
  return config;
}
