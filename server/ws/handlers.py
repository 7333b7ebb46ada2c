"""The WebSocket commands. Thin: each validates nothing itself and calls the chat service."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from server.protocol.chat import ConversationList, Directory
from server.protocol.ws import (
    AddMembers,
    CreateConversationInvite,
    CreateDirect,
    CreateGroup,
    DeleteMessage,
    EditMessage,
    GetConversation,
    History,
    JoinConversation,
    Leave,
    ListConversations,
    ListUsers,
    MarkRead,
    Ping,
    React,
    RemoveMember,
    SendMessage,
    SetMemberRole,
    Sync,
    Typing,
    UpdateConversation,
)
from server.ws import handlers_monitoring  # noqa: F401 - registers the monitor/* commands
from server.ws.connection import Connection
from server.ws.registry import command


@command(Ping)
async def handle_ping(conn: Connection, msg: Ping) -> dict[str, Any]:
    return {}


@command(Sync)
async def handle_sync(conn: Connection, msg: Sync) -> BaseModel:
    await conn.sync(msg.cursors, msg.recent)
    return ConversationList(conversations=await conn.chat.conversations(conn.user_id))


@command(SendMessage)
async def handle_message_send(conn: Connection, msg: SendMessage) -> BaseModel:
    return await conn.chat.send(
        conn.user_id,
        conversation_id=msg.conversation_id,
        client_id=msg.client_id,
        text=msg.text,
        reply_to=msg.reply_to,
        origin=conn,
        attachments=msg.attachments,
    )


@command(EditMessage)
async def handle_message_edit(conn: Connection, msg: EditMessage) -> BaseModel:
    return await conn.chat.edit(
        conn.user_id,
        conversation_id=msg.conversation_id,
        client_id=msg.client_id,
        seq=msg.seq,
        text=msg.text,
        origin=conn,
    )


@command(DeleteMessage)
async def handle_message_delete(conn: Connection, msg: DeleteMessage) -> BaseModel:
    return await conn.chat.delete(
        conn.user_id,
        conversation_id=msg.conversation_id,
        client_id=msg.client_id,
        seq=msg.seq,
        origin=conn,
    )


@command(React)
async def handle_message_react(conn: Connection, msg: React) -> BaseModel:
    return await conn.chat.react(
        conn.user_id,
        conversation_id=msg.conversation_id,
        client_id=msg.client_id,
        seq=msg.seq,
        emoji=msg.emoji,
        remove=msg.remove,
        origin=conn,
    )


@command(MarkRead)
async def handle_read_mark(conn: Connection, msg: MarkRead) -> dict[str, Any]:
    seq = await conn.chat.mark_read(conn.user_id, conversation_id=msg.conversation_id, seq=msg.seq)
    return {"conversation_id": msg.conversation_id, "read_seq": seq}


@command(Typing)
async def handle_typing(conn: Connection, msg: Typing) -> dict[str, Any]:
    sent = conn.chat.typing(conn.user_id, conversation_id=msg.conversation_id, origin=conn)
    return {"forwarded": sent}


@command(History)
async def handle_history(conn: Connection, msg: History) -> BaseModel:
    return await conn.chat.history(
        conn.user_id, msg.conversation_id, before=msg.before, after=msg.after, limit=msg.limit
    )


@command(ListConversations)
async def handle_conversation_list(conn: Connection, msg: ListConversations) -> BaseModel:
    return ConversationList(conversations=await conn.chat.conversations(conn.user_id))


@command(GetConversation)
async def handle_conversation_get(conn: Connection, msg: GetConversation) -> BaseModel:
    return await conn.chat.get(conn.user_id, msg.conversation_id)


@command(CreateDirect)
async def handle_conversation_create_direct(conn: Connection, msg: CreateDirect) -> BaseModel:
    return await conn.chat.create_direct(conn.user_id, msg.user_id, origin=conn)


@command(CreateGroup)
async def handle_conversation_create_group(conn: Connection, msg: CreateGroup) -> BaseModel:
    return await conn.chat.create_group(
        conn.user_id, name=msg.name, topic=msg.topic, member_ids=msg.member_ids, origin=conn
    )


@command(AddMembers)
async def handle_conversation_add_members(conn: Connection, msg: AddMembers) -> BaseModel:
    return await conn.chat.add_members(conn.user_id, msg.conversation_id, msg.user_ids, conn)


@command(RemoveMember)
async def handle_conversation_remove_member(conn: Connection, msg: RemoveMember) -> BaseModel:
    return await conn.chat.remove_member(conn.user_id, msg.conversation_id, msg.user_id, conn)


@command(Leave)
async def handle_conversation_leave(conn: Connection, msg: Leave) -> BaseModel:
    return await conn.chat.leave(conn.user_id, msg.conversation_id, conn)


@command(UpdateConversation)
async def handle_conversation_update(conn: Connection, msg: UpdateConversation) -> BaseModel:
    return await conn.chat.update(
        conn.user_id,
        msg.conversation_id,
        name=msg.name,
        topic=msg.topic,
        avatar=msg.avatar,
        origin=conn,
    )


@command(SetMemberRole)
async def handle_conversation_set_role(conn: Connection, msg: SetMemberRole) -> BaseModel:
    return await conn.chat.set_role(conn.user_id, msg.conversation_id, msg.user_id, msg.role, conn)


@command(CreateConversationInvite)
async def handle_conversation_create_invite(
    conn: Connection, msg: CreateConversationInvite
) -> BaseModel:
    return await conn.chat.create_invite(conn.user_id, msg.conversation_id, msg.expires_in_hours)


@command(JoinConversation)
async def handle_conversation_join(conn: Connection, msg: JoinConversation) -> BaseModel:
    return await conn.chat.join(conn.user_id, msg.token, conn)


@command(ListUsers)
async def handle_users_list(conn: Connection, msg: ListUsers) -> BaseModel:
    return Directory(users=await conn.chat.directory())
