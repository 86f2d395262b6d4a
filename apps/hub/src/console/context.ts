import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleApi } from './api.js';
import type { Html, HtmlValue } from './html.js';
import { type PageChrome, renderPage, sendPage } from './layout.js';
import { isAdmin, type Role } from './roles.js';
import type { SignedIn } from './session.js';

export interface WorkspaceView {
  id: string;
  slug: string;
  name: string;
}

/** Everything a signed-in console page needs: who, where, with which role, and the API. */
export class PageContext {
  constructor(
    readonly session: SignedIn,
    readonly api: ConsoleApi,
    readonly workspaces: WorkspaceView[],
    readonly workspace: WorkspaceView & { role: Role },
  ) {}

  get admin(): boolean {
    return isAdmin(this.workspace.role);
  }

  /** `/console/w/<slug>/<rest>` */
  path(rest: string): string {
    return `/console/w/${encodeURIComponent(this.workspace.slug)}/${rest}`;
  }

  /** `/api/v1/workspaces/<id>/<rest>` */
  apiPath(rest: string): string {
    return `/api/v1/workspaces/${this.workspace.id}/${rest}`;
  }

  chrome(title: string, current: string): PageChrome {
    return {
      title,
      current,
      user: { username: this.session.principal.username, csrf: this.session.csrf },
      workspace: this.workspace,
      workspaces: this.workspaces,
    };
  }

  page(title: string, current: string, body: HtmlValue): Html {
    return renderPage(this.chrome(title, current), body);
  }
}

/** The signed-in user's workspaces, through the API (the same list the CLI shows). */
export async function listWorkspaces(api: ConsoleApi): Promise<WorkspaceView[]> {
  const answer = await api.get<{ items: WorkspaceView[] }>('/api/v1/workspaces?limit=200');
  return answer.ok ? answer.body.items : [];
}

/**
 * Resolves `:ws` for a signed-in request. A workspace the user is not in answers the same 404
 * page as one that does not exist; with `adminOnly`, a member gets 403 and no data is read.
 */
export async function pageContext(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  session: SignedIn,
  ws: string,
  options: { adminOnly: boolean },
): Promise<PageContext | null> {
  const api = new ConsoleApi(app, request, session.token);
  const workspaces = await listWorkspaces(api);
  const found = workspaces.find((w) => w.slug === ws || w.id === ws);
  const role = found && session.principal.memberships.find((m) => m.workspaceId === found.id)?.role;
  if (!found || !role) {
    await sendPage(
      reply,
      404,
      renderPage(
        {
          title: 'Not found',
          user: { username: session.principal.username, csrf: session.csrf },
          workspaces,
        },
        'There is no such workspace, or you are not a member of it.',
      ),
    );
    return null;
  }
  const context = new PageContext(session, api, workspaces, { ...found, role });
  if (options.adminOnly && !context.admin) {
    await sendPage(
      reply,
      403,
      context.page(
        'Admins only',
        '',
        'This page is for the owners and admins of the workspace. Your own links are under “My links”.',
      ),
    );
    return null;
  }
  return context;
}
