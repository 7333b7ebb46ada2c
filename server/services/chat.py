"""Conversations and messages: who may do what, turned into events for the writer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from server.protocol.chat import (
    Ack,
    Conversation,
    ConversationInvite,
    DirectoryUser,
    Event,
    EventKind,
    EventPage,
    Member,
)
from server.protocol.common import Role
from server.protocol.errors import ErrorCode
from server.runtime import Runtime
from server.services.errors import ApiError
from server.services.events import (
    Append,
    Apply,
    EventWriter,
    event_dict,
    open_content,
    seal_content,
)
from server.services.hub import Hub, Peer, event_frame
from server.services.memberships import Memberships
from server.services.ratelimit import TokenBucket
from server.services.secrets import random_id, random_token, token_hash
from server.storage import chat as q
from server.storage import files as files_q
from server.storage.aio import AsyncConnection

REPLAY_PAGE = 500


def _not_found() -> ApiError:
    return ApiError(ErrorCode.CONVERSATION_NOT_FOUND, "no such conversation")


class Chat:
    def __init__(
        self, rt: Runtime, memberships: Memberships, hub: Hub, writer: EventWriter
    ) -> None:
        self.rt = rt
        self.memberships = memberships
        self.hub = hub
        self.writer = writer
        s = rt.settings
        self.send_limit = TokenBucket(rate=s.send_rate_per_s, burst=s.send_burst)

    # --- checks -----------------------------------------------------------------------------

    def _role(self, conv: int, user: int) -> Role:
        role = self.memberships.role(conv, user)
        if role is None:
            raise _not_found()
        return role

    def _require_member(self, conv: int, user: int) -> None:
        self._role(conv, user)

    def _require_admin(self, conv: int, user: int) -> Role:
        role = self._role(conv, user)
        if role not in (Role.OWNER, Role.ADMIN):
            raise ApiError(ErrorCode.FORBIDDEN, "only the group's admins can do this")
        return role

    def _check_text(self, text: str) -> None:
        if len(text) > self.rt.settings.max_message_chars:
            raise ApiError(
                ErrorCode.MESSAGE_TOO_LONG,
                f"a message can hold {self.rt.settings.max_message_chars} characters at most",
            )
        if not text.strip():
            raise ApiError(ErrorCode.INVALID_REQUEST, "the message is empty")

    def _rate(self, user: int) -> None:
        wait = self.send_limit.take(user)
        if wait is not None:
            raise ApiError(
                ErrorCode.RATE_LIMITED,
                f"sending too fast; try again in {max(1, int(wait + 0.999))} s",
                retry_after=max(1, int(wait + 0.999)),
            )

    async def _target(self, conv: int, seq: int) -> Any:
        async with self.rt.reader.connect() as conn:
            row = await q.get_event_txn(conn, conv, seq)
        if row is None or row.kind != EventKind.MESSAGE.value or row.deleted_at is not None:
            raise ApiError(ErrorCode.MESSAGE_NOT_FOUND, "no such message (it may be deleted)")
        return row

    # --- messages ---------------------------------------------------------------------------

    async def _or_prior(self, user: int, client_id: str, action: Awaitable[Ack]) -> Ack:
        """A resend of something already stored gets the first acknowledgement, even when the
        send itself would now be refused (the message since deleted, the sender removed, the
        rate limit reached): the client must be able to resend freely after any failure."""
        try:
            return await action
        except ApiError:
            async with self.rt.reader.connect() as conn:
                found = await conn.run_sync(q.find_by_client_ids_txn, [(user, client_id)])
            prior = found.get((user, client_id))
            if prior is None:
                raise
            return Ack(
                conversation_id=prior.conversation_id,
                seq=prior.seq,
                created_at=prior.created_at,
                duplicate=True,
            )

    async def send(self, user: int, *, client_id: str, **kw: Any) -> Ack:
        return await self._or_prior(user, client_id, self._send(user, client_id=client_id, **kw))

    async def edit(self, user: int, *, client_id: str, **kw: Any) -> Ack:
        return await self._or_prior(user, client_id, self._edit(user, client_id=client_id, **kw))

    async def delete(self, user: int, *, client_id: str, **kw: Any) -> Ack:
        return await self._or_prior(user, client_id, self._delete(user, client_id=client_id, **kw))

    async def react(self, user: int, *, client_id: str, **kw: Any) -> Ack:
        return await self._or_prior(user, client_id, self._react(user, client_id=client_id, **kw))

    def _authored(
        self,
        user: int,
        conversation_id: int,
        client_id: str,
        origin: Peer | None,
        kind: EventKind,
        *,
        content: dict[str, Any],
        target_seq: int | None = None,
        apply: Apply | None = None,
    ) -> Append:
        """An event a member writes into a conversation (message, edit, delete, reaction):
        still a member when it commits, answered to ``origin`` and not echoed back to it."""
        return Append(
            conversation_id=conversation_id,
            kind=kind,
            sender_id=user,
            client_id=client_id,
            content=content,
            target_seq=target_seq,
            check=lambda: self._require_member(conversation_id, user),
            apply=apply,
            origin=origin,
        )

    def submit_plain_send(
        self, user: int, *, conversation_id: int, client_id: str, text: str, origin: Peer | None
    ) -> asyncio.Future[Ack]:
        """The hot path: a text message without reply or attachments needs no await before it
        is queued, so it needs no task either (raises ApiError if refused on the spot)."""
        self._require_member(conversation_id, user)
        self._check_text(text)
        self._rate(user)
        return self.writer.submit(
            self._authored(
                user, conversation_id, client_id, origin, EventKind.MESSAGE, content={"text": text}
            )
        )

    async def _send(
        self,
        user: int,
        *,
        conversation_id: int,
        client_id: str,
        text: str,
        reply_to: int | None,
        origin: Peer | None,
        attachments: list[str] | None = None,
    ) -> Ack:
        self._require_member(conversation_id, user)
        if text or not attachments:  # a message of attachments alone needs no text
            self._check_text(text)
        self._rate(user)
        content: dict[str, Any] = {"text": text}
        if reply_to is not None:
            await self._target(conversation_id, reply_to)
            content["reply_to"] = reply_to
        share = None
        if attachments:
            assert self.rt.files is not None
            content["attachments"] = shown = await self.rt.files.for_message(user, attachments)
            ids = [a["id"] for a in shown]

            def share(conn: Connection, seq: int, _now: float) -> None:
                files_q.share_txn(conn, ids, conversation_id, seq)

        return await self.writer.append(
            self._authored(
                user,
                conversation_id,
                client_id,
                origin,
                EventKind.MESSAGE,
                content=content,
                target_seq=reply_to,
                apply=share,
            )
        )

    async def _edit(
        self,
        user: int,
        *,
        conversation_id: int,
        client_id: str,
        seq: int,
        text: str,
        origin: Peer | None,
    ) -> Ack:
        self._require_member(conversation_id, user)
        self._check_text(text)
        self._rate(user)
        target = await self._target(conversation_id, seq)
        if target.sender_id != user:
            raise ApiError(ErrorCode.NOT_AUTHOR, "only the author can edit a message")
        old = open_content(self.rt.data_key, target) or {}
        new_content = {**old, "text": text}
        key = self.rt.data_key

        def apply(conn: Connection, _seq: int, now: float) -> None:
            q.update_event_content_txn(
                conn,
                conversation_id,
                seq,
                content=seal_content(key, conversation_id, seq, new_content),
                edited_at=now,
            )

        return await self.writer.append(
            self._authored(
                user,
                conversation_id,
                client_id,
                origin,
                EventKind.EDIT,
                content={"text": text},
                target_seq=seq,
                apply=apply,
            )
        )

    async def _delete(
        self, user: int, *, conversation_id: int, client_id: str, seq: int, origin: Peer | None
    ) -> Ack:
        role = self._role(conversation_id, user)
        target = await self._target(conversation_id, seq)
        if target.sender_id != user and role not in (Role.OWNER, Role.ADMIN):
            raise ApiError(
                ErrorCode.NOT_AUTHOR, "only the author or a group admin can delete a message"
            )

        def apply(conn: Connection, _seq: int, now: float) -> None:
            q.update_event_content_txn(conn, conversation_id, seq, content=None, deleted_at=now)
            q.scrub_edits_txn(conn, conversation_id, seq, now)

        return await self.writer.append(
            self._authored(
                user,
                conversation_id,
                client_id,
                origin,
                EventKind.DELETE,
                content={},
                target_seq=seq,
                apply=apply,
            )
        )

    async def _react(
        self,
        user: int,
        *,
        conversation_id: int,
        client_id: str,
        seq: int,
        emoji: str,
        remove: bool,
        origin: Peer | None,
    ) -> Ack:
        self._require_member(conversation_id, user)
        self._rate(user)
        await self._target(conversation_id, seq)

        def apply(conn: Connection, _seq: int, _now: float) -> None:
            q.set_reaction_txn(conn, conversation_id, seq, user, emoji, not remove)

        return await self.writer.append(
            self._authored(
                user,
                conversation_id,
                client_id,
                origin,
                EventKind.REACTION,
                content={"emoji": emoji, "op": "remove" if remove else "add"},
                target_seq=seq,
                apply=apply,
            )
        )

    async def mark_read(self, user: int, *, conversation_id: int, seq: int) -> int:
        self._require_member(conversation_id, user)
        async with self.rt.engine.begin() as conn:
            conv = await q.get_conversation_txn(conn, conversation_id)
            upto = min(seq, int(conv.last_seq))
            moved = await q.mark_read_txn(conn, conversation_id, user, upto)
            if not moved:  # an older marker never moves it back: answer what is stored
                member = await q.member_txn(conn, conversation_id, user)
                upto = int(member.read_seq)
        if moved:
            # The user's other devices clear their badges; members see the read state.
            frame = event_frame(
                {
                    "kind": "read",
                    "conversation_id": conversation_id,
                    "user_id": user,
                    "read_seq": upto,
                }
            )
            self.hub.publish(conversation_id, frame)
        return upto

    def typing(self, user: int, *, conversation_id: int, origin: Peer) -> bool:
        if not self.hub.typing_enabled:
            raise ApiError(ErrorCode.FEATURE_DISABLED, "typing indicators are switched off here")
        self._require_member(conversation_id, user)
        return self.hub.typing(conversation_id, user, origin)

    # --- conversations ----------------------------------------------------------------------

    async def create_direct(
        self, user: int, other: int, origin: Peer | None = None
    ) -> Conversation:
        if other == user:
            raise ApiError(ErrorCode.INVALID_REQUEST, "a direct conversation needs someone else")
        key = f"{min(user, other)}:{max(user, other)}"
        roles = {user: Role.MEMBER, other: Role.MEMBER}
        try:
            async with self.rt.engine.begin() as conn:
                existing = await q.get_direct_txn(conn, key)
                if existing is None:
                    if await q.usable_users_txn(conn, [other]) != {other}:
                        raise ApiError(ErrorCode.USER_NOT_FOUND, "no such user")
                    conv_id, created = await self._create_txn(
                        conn,
                        kind="direct",
                        direct_key=key,
                        name="",
                        topic="",
                        creator=user,
                        member_roles=roles,
                    )
                else:
                    conv_id = existing.id
        except IntegrityError:
            # Both people opened the conversation at the same moment: the other one won.
            async with self.rt.reader.connect() as conn:
                existing = await q.get_direct_txn(conn, key)
            conv_id = existing.id
        else:
            if existing is None:
                self._announce_created(conv_id, roles, created, origin)
        return await self.get(user, conv_id)

    async def create_group(
        self,
        user: int,
        *,
        name: str,
        topic: str,
        member_ids: list[int],
        origin: Peer | None = None,
    ) -> Conversation:
        others = sorted(set(member_ids) - {user})
        if len(others) + 1 > self.rt.settings.max_group_size:
            raise ApiError(
                ErrorCode.GROUP_FULL,
                f"a group can have {self.rt.settings.max_group_size} members at most",
            )
        async with self.rt.engine.begin() as conn:
            usable = await q.usable_users_txn(conn, others) if others else set()
            missing = [u for u in others if u not in usable]
            if missing:
                raise ApiError(ErrorCode.USER_NOT_FOUND, f"no such user: {missing[0]}")
            roles = {user: Role.OWNER, **dict.fromkeys(others, Role.MEMBER)}
            conv_id, created = await self._create_txn(
                conn,
                kind="group",
                direct_key=None,
                name=name,
                topic=topic,
                creator=user,
                member_roles=roles,
            )
        self._announce_created(conv_id, roles, created, origin)
        return await self.get(user, conv_id)

    async def create_server_group(self, user: int, *, name: str, topic: str, role: Role) -> int:
        """A group the server itself creates (``created`` has no sender) with ``user`` as its
        only member, for messages of the server's own (alerts); returns its id."""
        roles = {user: role}
        async with self.rt.engine.begin() as conn:
            conv_id, created = await self._create_txn(
                conn,
                kind="group",
                direct_key=None,
                name=name,
                topic=topic,
                creator=None,
                member_roles=roles,
            )
        self._announce_created(conv_id, roles, created, None)
        return conv_id

    async def _create_txn(
        self,
        conn: AsyncConnection,
        *,
        kind: str,
        direct_key: str | None,
        name: str,
        topic: str,
        creator: int | None,
        member_roles: dict[int, Role],
    ) -> tuple[int, dict[str, Any]]:
        """A new conversation starts with its ``created`` event as seq 1; nobody else can write
        to it yet, so it needs no seq from the writer. Returns its id and that event."""
        now = time.time()
        conv_id = await q.create_conversation_txn(
            conn,
            kind=kind,
            direct_key=direct_key,
            name=name,
            topic=topic,
            created_by=creator,
            created_at=now,
            last_seq=1,
        )
        for role in set(member_roles.values()):
            await conn.run_sync(
                q.upsert_members_txn,
                conv_id,
                [u for u, r in member_roles.items() if r is role],
                role.value,
                1,
            )
        content = {"kind": kind, "name": name, "topic": topic, "member_ids": sorted(member_roles)}
        row = {
            "conversation_id": conv_id,
            "seq": 1,
            "kind": EventKind.CREATED.value,
            "sender_id": creator,
            "client_id": None,
            "target_seq": None,
            "created_at": now,
        }
        await conn.run_sync(
            q.insert_events_txn,
            [{**row, "content": seal_content(self.rt.data_key, conv_id, 1, content)}],
        )
        return conv_id, {**row, "content": content, "edited_at": None, "deleted": False}

    def _announce_created(
        self, conv_id: int, roles: dict[int, Role], event: dict[str, Any], origin: Peer | None
    ) -> None:
        """Members first, then the event, with no await between: a send into the new
        conversation cannot be published before its seq 1."""
        for uid, role in roles.items():
            self.memberships.add(conv_id, uid, role)
        self.hub.publish(conv_id, event_frame(event), origin=origin, key=(conv_id, 1))

    async def _membership_event(
        self,
        conv: int,
        actor: int,
        kind: EventKind,
        content: dict[str, Any],
        *,
        check: Any,
        apply: Any,
        after: Any,
        also: tuple[int, ...] = (),
        origin: Peer | None = None,
    ) -> Ack:
        return await self.writer.append(
            Append(
                conversation_id=conv,
                kind=kind,
                sender_id=actor,
                client_id=None,
                content=content,
                check=check,
                apply=apply,
                after=after,
                exclusive=True,
                also_notify=also,
                origin=origin,
            )
        )

    async def _group_row(self, conv: int, actor: int) -> Any:
        """The conversation, if ``actor`` is in it and it is a group."""
        self._require_member(conv, actor)
        async with self.rt.reader.connect() as conn:
            row = await q.get_conversation_txn(conn, conv)
        if row is None:
            raise _not_found()
        if row.kind != "group":
            raise ApiError(ErrorCode.NOT_A_GROUP, "direct conversations have exactly two people")
        return row

    async def add_members(
        self, actor: int, conv: int, user_ids: list[int], origin: Peer | None = None
    ) -> Ack:
        await self._group_row(conv, actor)
        self._require_admin(conv, actor)
        wanted = sorted(set(user_ids))
        async with self.rt.reader.connect() as conn:
            usable = await q.usable_users_txn(conn, wanted)
        missing = [u for u in wanted if u not in usable]
        if missing:
            raise ApiError(ErrorCode.USER_NOT_FOUND, f"no such user: {missing[0]}")
        return await self._add(actor, conv, wanted, origin)

    async def _add(self, actor: int, conv: int, wanted: list[int], origin: Peer | None) -> Ack:
        limit = self.rt.settings.max_group_size
        content: dict[str, Any] = {"user_ids": wanted}

        def check() -> None:
            current = self.memberships.members(conv)
            if actor not in current:
                raise _not_found()
            fresh = [u for u in wanted if u not in current]
            if not fresh:
                raise ApiError(ErrorCode.ALREADY_MEMBER, "they are in the group already")
            if len(current) + len(fresh) > limit:
                raise ApiError(ErrorCode.GROUP_FULL, f"a group can have {limit} members at most")
            # The event names who was really added: the check runs in commit order, just
            # before the content is sealed.
            content["user_ids"] = fresh

        def apply(c: Connection, seq: int, _now: float) -> None:
            q.upsert_members_txn(c, conv, content["user_ids"], Role.MEMBER.value, seq)

        def after(_seq: int) -> None:
            for u in content["user_ids"]:
                self.memberships.add(conv, u, Role.MEMBER)

        return await self._membership_event(
            conv,
            actor,
            EventKind.MEMBER_ADDED,
            content,
            check=check,
            apply=apply,
            after=after,
            origin=origin,
        )

    async def remove_member(
        self, actor: int, conv: int, user: int, origin: Peer | None = None
    ) -> Ack:
        await self._group_row(conv, actor)
        role = self._require_admin(conv, actor)
        if user == actor:
            raise ApiError(ErrorCode.CANNOT_MODIFY_SELF, "use leave to leave a group")

        def check() -> None:
            target = self.memberships.role(conv, user)
            if target is None:
                raise ApiError(ErrorCode.NOT_A_MEMBER, "they are not in the group")
            if target is Role.OWNER:
                raise ApiError(ErrorCode.FORBIDDEN, "the group's owner cannot be removed")
            if target is Role.ADMIN and role is not Role.OWNER:
                raise ApiError(ErrorCode.FORBIDDEN, "only the owner can remove an admin")

        return await self._departure(conv, actor, user, EventKind.MEMBER_REMOVED, check, origin)

    async def leave(self, user: int, conv: int, origin: Peer | None = None) -> Ack:
        await self._group_row(conv, user)

        def check() -> None:
            current = self.memberships.members(conv)
            if user not in current:
                raise _not_found()
            if current[user] is Role.OWNER and len(current) > 1:
                raise ApiError(
                    ErrorCode.OWNER_MUST_TRANSFER,
                    "hand the group over to someone else before leaving it",
                )

        return await self._departure(conv, user, user, EventKind.MEMBER_LEFT, check, origin)

    async def _departure(
        self,
        conv: int,
        actor: int,
        user: int,
        kind: EventKind,
        check: Callable[[], None],
        origin: Peer | None,
    ) -> Ack:
        """``user`` stops being a member at this event's seq; they still get this event."""

        def apply(c: Connection, seq: int, _now: float) -> None:
            q.set_left_txn(c, conv, user, seq)

        return await self._membership_event(
            conv,
            actor,
            kind,
            {"user_id": user},
            check=check,
            apply=apply,
            after=lambda _s: self.memberships.remove(conv, user),
            also=(user,),
            origin=origin,
        )

    async def update(
        self,
        actor: int,
        conv: int,
        *,
        name: str | None,
        topic: str | None,
        avatar: str | None = None,
        origin: Peer | None = None,
    ) -> Ack:
        await self._group_row(conv, actor)
        self._require_admin(conv, actor)
        values: dict[str, str | None] = {}
        content: dict[str, Any] = {}
        if name is not None:
            values["name"] = content["name"] = name
        if topic is not None:
            values["topic"] = content["topic"] = topic
        if avatar == "":
            values["avatar"] = content["avatar"] = None
        elif avatar is not None:
            assert self.rt.files is not None
            (shown,) = await self.rt.files.for_message(actor, [avatar])
            if not str(shown.get("mime", "")).startswith("image/"):
                raise ApiError(ErrorCode.INVALID_REQUEST, "a group's picture must be an image")
            values["avatar"] = avatar
            content["avatar"] = shown
        if not values:
            raise ApiError(ErrorCode.INVALID_REQUEST, "give a name, a topic or a picture")

        def apply(c: Connection, seq: int, _now: float) -> None:
            q.update_conversation_txn(c, conv, **values)
            if values.get("avatar"):
                # shared by this event: every member, now and later, may download it
                files_q.share_txn(c, [str(values["avatar"])], conv, seq)

        return await self._membership_event(
            conv,
            actor,
            EventKind.UPDATED,
            content,
            check=lambda: self._require_admin(conv, actor),
            apply=apply,
            after=None,
            origin=origin,
        )

    async def set_role(
        self, actor: int, conv: int, user: int, role: Role, origin: Peer | None = None
    ) -> Ack:
        await self._group_row(conv, actor)
        if self._role(conv, actor) is not Role.OWNER:
            raise ApiError(ErrorCode.FORBIDDEN, "only the group's owner can change roles")
        if user == actor:
            raise ApiError(ErrorCode.CANNOT_MODIFY_SELF, "hand ownership to someone else instead")

        def check() -> None:
            if self.memberships.role(conv, actor) is not Role.OWNER:
                raise ApiError(ErrorCode.FORBIDDEN, "only the group's owner can change roles")
            if self.memberships.role(conv, user) is None:
                raise ApiError(ErrorCode.NOT_A_MEMBER, "they are not in the group")

        def apply(c: Connection, _seq: int, _now: float) -> None:
            q.set_member_role_txn(c, conv, user, role.value)
            if role is Role.OWNER:
                q.set_member_role_txn(c, conv, actor, Role.ADMIN.value)

        def after(_seq: int) -> None:
            self.memberships.add(conv, user, role)
            if role is Role.OWNER:
                self.memberships.add(conv, actor, Role.ADMIN)

        return await self._membership_event(
            conv,
            actor,
            EventKind.ROLE_CHANGED,
            {"user_id": user, "role": role.value},
            check=check,
            apply=apply,
            after=after,
            origin=origin,
        )

    async def create_invite(self, actor: int, conv: int, hours: int) -> ConversationInvite:
        await self._group_row(conv, actor)
        self._require_admin(conv, actor)
        token = random_token(24)
        now = time.time()
        async with self.rt.engine.begin() as conn:
            await q.create_invite_txn(
                conn,
                id=random_id(),
                conversation_id=conv,
                token_hash=token_hash(token),
                created_by=actor,
                created_at=now,
                expires_at=now + hours * 3600,
            )
        return ConversationInvite(token=token, expires_at=now + hours * 3600)

    async def join(self, user: int, token: str, origin: Peer | None = None) -> Conversation:
        async with self.rt.reader.connect() as conn:
            inv = await q.usable_invite_txn(conn, token_hash(token), time.time())
        if inv is None:
            raise ApiError(ErrorCode.INVALID_INVITE, "this group invite was revoked or has expired")
        if self.memberships.role(inv.conversation_id, user) is None:
            await self._add_self(user, inv.conversation_id, origin)
        return await self.get(user, inv.conversation_id)

    async def _add_self(self, user: int, conv: int, origin: Peer | None) -> Ack:
        limit = self.rt.settings.max_group_size

        def check() -> None:
            if user in self.memberships.members(conv):
                raise ApiError(ErrorCode.ALREADY_MEMBER, "you are in the group already")
            if len(self.memberships.members(conv)) + 1 > limit:
                raise ApiError(ErrorCode.GROUP_FULL, f"a group can have {limit} members at most")

        def apply(c: Connection, seq: int, _now: float) -> None:
            q.upsert_members_txn(c, conv, [user], Role.MEMBER.value, seq)

        return await self._membership_event(
            conv,
            user,
            EventKind.MEMBER_ADDED,
            {"user_ids": [user], "via": "invite"},
            check=check,
            apply=apply,
            after=lambda _s: self.memberships.add(conv, user, Role.MEMBER),
            origin=origin,
        )

    # --- reading ----------------------------------------------------------------------------

    async def _summary(self, conn: AsyncConnection, user: int, m: Any) -> Conversation:
        upto = m.left_seq
        members = [] if upto is not None else await q.active_members_txn(conn, m.conversation_id)
        last_seq = m.last_seq if upto is None else min(m.last_seq, upto)
        last = await q.get_event_txn(conn, m.conversation_id, last_seq) if last_seq else None
        unread = await q.unread_txn(conn, m.conversation_id, user, m.read_seq, upto)
        return Conversation(
            id=m.conversation_id,
            kind=m.kind,
            name=m.name,
            topic=m.topic,
            avatar=m.avatar,
            last_seq=last_seq,
            members=[
                Member(user_id=r.user_id, role=Role(r.role), read_seq=r.read_seq) for r in members
            ],
            unread=unread,
            read_seq=m.read_seq,
            last_event=self._event(last) if last is not None else None,
            left=upto is not None,
        )

    def _event(self, row: Any, reactions: dict[str, list[int]] | None = None) -> Event:
        d = event_dict(row, open_content(self.rt.data_key, row))
        if reactions is not None:
            d["reactions"] = reactions
        return Event.model_validate(d)

    async def conversations(self, user: int) -> list[Conversation]:
        async with self.rt.reader.connect() as conn:
            rows = await q.memberships_of_txn(conn, user)
            return [await self._summary(conn, user, m) for m in rows]

    async def get(self, user: int, conv: int) -> Conversation:
        async with self.rt.reader.connect() as conn:
            for m in await q.memberships_of_txn(conn, user):
                if m.conversation_id == conv:
                    return await self._summary(conn, user, m)
        raise _not_found()

    async def _visibility(self, user: int, conv: int) -> int | None:
        """Raises unless ``user`` may read ``conv``; returns the last seq they may see (None:
        all of it, they are a member)."""
        if self.memberships.role(conv, user) is not None:
            return None
        async with self.rt.reader.connect() as conn:
            m = await q.member_txn(conn, conv, user)
        if m is None or m.left_seq is None:
            raise _not_found()
        return int(m.left_seq)

    async def history(
        self, user: int, conv: int, *, before: int | None, after: int | None, limit: int
    ) -> EventPage:
        upto = await self._visibility(user, conv)
        async with self.rt.reader.connect() as conn:
            if after is not None:
                rows = await q.events_after_txn(conn, conv, after, upto, limit + 1)
                has_more = len(rows) > limit
                rows = rows[:limit]
            else:
                top = before if before is not None else 2**62
                rows = await q.events_before_txn(conn, conv, top, upto, limit + 1)
                has_more = len(rows) > limit
                rows = list(reversed(rows[:limit]))
            reactions = await q.reactions_for_txn(conn, conv, [r.seq for r in rows])
        return EventPage(
            events=[self._event(r, reactions.get(r.seq, {})) for r in rows], has_more=has_more
        )

    async def replay(
        self, user: int, cursors: dict[int, int], recent: int, send: Any
    ) -> dict[int, int]:
        """Push every event a client is missing, oldest first per conversation; returns the
        last seq pushed per conversation (the sync's dedupe line for live events)."""
        sent: dict[int, int] = {}
        async with self.rt.reader.connect() as conn:
            mine = await q.memberships_of_txn(conn, user)
        key = self.rt.data_key
        for m in mine:
            conv = m.conversation_id
            upto = m.left_seq
            if conv in cursors:
                after = cursors[conv]
            elif upto is None:
                after = max(0, m.last_seq - recent)
            else:
                continue  # a conversation left before this device knew it: nothing to send
            while True:
                async with self.rt.reader.connect() as conn:
                    rows = await q.events_after_txn(conn, conv, after, upto, REPLAY_PAGE)
                for r in rows:
                    send(event_frame(event_dict(r, open_content(key, r))))
                if rows:
                    after = rows[-1].seq
                if len(rows) < REPLAY_PAGE:
                    break
            sent[conv] = after
        return sent

    async def directory(self) -> list[DirectoryUser]:
        async with self.rt.reader.connect() as conn:
            rows = await q.directory_txn(conn)
        presence = self.hub.presence_enabled
        return [
            DirectoryUser(
                id=r.id,
                username=r.username,
                display_name=r.display_name,
                online=self.hub.is_online(r.id) if presence else None,
            )
            for r in rows
        ]
