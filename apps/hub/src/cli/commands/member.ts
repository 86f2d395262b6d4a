import type { Command } from 'commander';
import { CliError } from '../client.js';
import { note, printRecord, printTable } from '../output.js';
import { type HubFlags, hubOptions, type Session, show, withHub } from '../session.js';

/** A member named by user id, username or email, as the API wants a user id. */
export async function memberId(session: Session, who: string): Promise<string> {
  const members = await session.client.listAll(`${await session.workspacePath()}/members`, 'members');
  const found = members.find((m) => m.userId === who || m.username === who || m.email === who.toLowerCase());
  if (!found) throw new CliError(`no member "${who}" in this workspace (see \`switchboard member list\`)`);
  return String(found.userId);
}

export function registerMemberCommands(program: Command): void {
  const member = program.command('member').description('workspace members and invitations');
  hubOptions(
    member
      .command('invite <usernameOrEmail>')
      .description('invite a person by email or username (an admin or owner only)')
      .option('--role <role>', 'owner, admin or member', 'member')
      .option(
        '--phone <phone>',
        "the person's phone (E.164, e.g. +4915123456789): linked to them, unverified, once they are a member",
      ),
  ).action((who: string, flags: HubFlags & { role: string; phone?: string }) =>
    withHub(flags, async (session) => {
      const body = {
        ...(who.includes('@') ? { email: who } : { username: who }),
        role: flags.role,
        ...(flags.phone ? { phone: flags.phone } : {}),
      };
      const answer = await session.client.call<Record<string, unknown>>(
        'POST',
        `${await session.workspacePath()}/members`,
        body,
      );
      show(session, answer, () => {
        const invitation = answer.invitation as Record<string, unknown> | undefined;
        if (invitation) {
          printRecord(invitation);
          if (answer.acceptUrl)
            note(`\nSend this link to the invitee (shown once): ${String(answer.acceptUrl)}`);
        } else {
          printRecord({ userId: answer.userId, username: answer.username, role: answer.role });
        }
        const phone = answer.phone as { outcome: string; message?: string } | undefined;
        if (phone) note(`\nPhone: ${phone.outcome}${phone.message ? ` (${phone.message})` : ''}`);
      });
    }),
  );
  hubOptions(member.command('list').description('list members')).action((flags: HubFlags) =>
    withHub(flags, async (session) => {
      const items = await session.client.listAll(`${await session.workspacePath()}/members`, 'members');
      show(session, { items }, () => printTable(items, ['username', 'email', 'role', 'userId']));
    }),
  );
  hubOptions(
    member.command('remove <member>').description('remove a member (user id, username or email)'),
  ).action((who: string, flags: HubFlags) =>
    withHub(flags, async (session) => {
      const userId = await memberId(session, who);
      const answer = await session.client.call(
        'DELETE',
        `${await session.workspacePath()}/members/${userId}`,
      );
      show(session, answer, () => printRecord(answer));
    }),
  );
}
