import type { FastifyInstance } from 'fastify';
import type { PageContext } from '../context.js';
import { html } from '../html.js';
import { notice, sendPage } from '../layout.js';
import { formOf, workspacePage } from '../routing.js';

export interface ApiCall {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

/**
 * A console button that makes one API call (admins only) and goes back to `back` with `?done=`,
 * or shows the API's refusal with a way back. The CSRF check has run before (plugin.ts).
 */
export function apiAction(
  app: FastifyInstance,
  route: string,
  options: {
    current: string;
    done: string;
    back: (context: PageContext, params: Record<string, string>) => string;
  },
  build: (context: PageContext, form: URLSearchParams, params: Record<string, string>) => ApiCall,
): void {
  app.post(
    route,
    { schema: { hide: true } },
    workspacePage(app, { adminOnly: true }, async (context, request, reply) => {
      const params = request.params as Record<string, string>;
      const call = build(context, formOf(request), params);
      const answer = await context.api.call(call.method, call.path, call.body);
      const back = options.back(context, params);
      if (answer.ok)
        return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}done=${options.done}`, 303);
      return sendPage(
        reply,
        answer.status,
        context.page(
          'Not done',
          options.current,
          html`${notice('error', answer.message)}<p><a href="${back}">Back</a></p>`,
        ),
      );
    }),
  );
}

/** A one-button form posting to `action`. */
export function button(
  context: PageContext,
  action: string,
  label: string,
  style: 'secondary' | 'danger' = 'secondary',
  extra?: Record<string, string>,
) {
  return html`<form class="inline" method="post" action="${action}"><input type="hidden" name="_csrf" value="${context.session.csrf}">${Object.entries(
    extra ?? {},
  ).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit" class="${style}">${label}</button></form>`;
}

export const uuidParam = (value: string | undefined): string => encodeURIComponent(value ?? '');
