"""The schema as SQLAlchemy Core tables; migrations in ``migrations/`` must produce exactly this."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Times are Unix seconds as floats: portable between SQLite and PostgreSQL, cheap to compare.

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("deleted_at", Float, nullable=True),
    Column("totp_secret", LargeBinary, nullable=True),  # sealed under the data key
    Column("totp_enabled", Boolean, nullable=False, default=False),
    Column("totp_last_step", Integer, nullable=True),  # refuses a replayed code
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("last_login_at", Float, nullable=True),
)

device_sessions = Table(
    "device_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("device_name", String(64), nullable=False),
    Column("ip", String(64), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
    Column("revoke_reason", String(32), nullable=True),
    Index("ix_device_sessions_user", "user_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "session_id",
        String(32),
        ForeignKey("device_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", Float, nullable=False),
    Column("spent_at", Float, nullable=True),
    Index("ix_refresh_tokens_session", "session_id"),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", Float, nullable=True),
    Index("ix_recovery_codes_user", "user_id"),
)

one_time_codes = Table(
    "one_time_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float, nullable=True),
    Index("ix_one_time_codes_user", "user_id"),
)

invites = Table(
    "invites",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("note", String(200), nullable=False, default=""),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float, nullable=True),
    Column("used_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("revoked_at", Float, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(64), nullable=False),
    Column("target_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("detail", Text, nullable=False, default="{}"),
    Index("ix_audit_log_at", "at"),
)

# --- messaging ----------------------------------------------------------------------------------

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # direct | group
    # "<low user id>:<high user id>" for direct conversations: one per pair of users.
    Column("direct_key", String(40), nullable=True, unique=True),
    Column("name", String(100), nullable=False, default=""),
    Column("topic", String(500), nullable=False, default=""),
    # an image attachment (the group's picture), shared into the conversation by the event
    # that set it, so every member may download it
    Column("avatar", String(64), nullable=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", Float, nullable=False),
    # The newest seq: the next event takes last_seq + 1 in the transaction that stores it.
    Column("last_seq", Integer, nullable=False, default=0),
)

members = Table(
    "members",
    metadata,
    Column(
        "conversation_id",
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),  # owner | admin | member
    Column("joined_seq", Integer, nullable=False),
    # Set when the member leaves or is removed: they keep what they saw, and nothing more.
    Column("left_seq", Integer, nullable=True),
    Column("read_seq", Integer, nullable=False, default=0),
    Index("ix_members_user", "user_id"),
)

events = Table(
    "events",
    metadata,
    Column(
        "conversation_id",
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("sender_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("client_id", String(64), nullable=True),
    Column("target_seq", Integer, nullable=True),  # edit, delete, reaction, reply
    Column("created_at", Float, nullable=False),
    # JSON content sealed under the data key, bound to (conversation, seq).
    Column("content", LargeBinary, nullable=True),
    Column("edited_at", Float, nullable=True),
    Column("deleted_at", Float, nullable=True),
    # A client's resend of the same client_id finds the first copy instead of making another.
    Index("ux_events_sender_client", "sender_id", "client_id", unique=True),
)

reactions = Table(
    "reactions",
    metadata,
    Column("conversation_id", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("emoji", String(32), primary_key=True),
)

conversation_invites = Table(
    "conversation_invites",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "conversation_id",
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

# --- files --------------------------------------------------------------------------------------
# Sizes are BigInteger: PostgreSQL's INTEGER stops at 2 GiB.

# One row per distinct content (by SHA-256 of the stored bytes); the bytes are in
# files/blobs/<id>, encrypted under a key derived for that id (services/blobstore.py).
blobs = Table(
    "blobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("size", BigInteger, nullable=False),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("duration", Float, nullable=True),
    Column("thumbnail", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

# An upload in progress; its bytes so far are in files/uploads/<id>, encrypted the same way.
uploads = Table(
    "uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("mime", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("received", BigInteger, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_uploads_user", "user_id"),
)

# A finished upload: a name and type over a blob. Many attachments can share one blob.
attachments = Table(
    "attachments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("blob_id", String(32), ForeignKey("blobs.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("mime", String(127), nullable=False),
    Column("original_sha256", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_attachments_owner", "owner_id"),
    Index("ix_attachments_blob", "blob_id"),
)

# Where an attachment was sent: written in the transaction that stores the message. Members
# of the conversation who could see that event may download it.
attachment_shares = Table(
    "attachment_shares",
    metadata,
    Column(
        "attachment_id",
        String(32),
        ForeignKey("attachments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("conversation_id", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    ForeignKeyConstraint(
        ["conversation_id", "seq"],
        ["events.conversation_id", "events.seq"],
        ondelete="CASCADE",
    ),
)

# --- monitoring ---------------------------------------------------------------------------------

# One row per minute of the server's health (the minute's mean of the sampler's readings), as
# compact JSON so a new metric needs no migration; rows older than 24 h are pruned.
metric_samples = Table(
    "metric_samples",
    metadata,
    Column("at", Float, primary_key=True),
    Column("data", Text, nullable=False),
)
