/**
 * Placeholders of the templates in the settings (client URL, port arguments, env), and how they are
 * filled. A leaf module: settings.ts validates templates and clientUrl.ts builds URLs from them, and
 * neither imports the other's runtime for it.
 */

/** Placeholders a client URL template or a port argument template may use. */
export const TEMPLATE_PLACEHOLDERS = ['host', 'httpPort', 'signalPort', 'streamPort', 'webViewerPort', 'index', 'label'] as const;
export type TemplateValues = Record<(typeof TEMPLATE_PLACEHOLDERS)[number], string | number>;

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Replaces `{name}` placeholders; unknown names are left as they are (validation rejects them earlier). */
export function fillTemplate(template: string, values: Partial<TemplateValues>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name as keyof TemplateValues]) : whole,
  );
}

/** Placeholder names in `template` that are not in TEMPLATE_PLACEHOLDERS. */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(TEMPLATE_PLACEHOLDERS);
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => !known.has(name));
}
