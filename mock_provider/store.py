"""Where the provider keeps its state: SQLAlchemy over SQLite by default, any SQL database by URL.

Everything several worker processes must share lives here: clients, users, grants, codes, tokens,
the clock offset, the signing keys and the request log. Single-use rules are enforced with one
conditional UPDATE each, so two racing requests can never both win.
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import (
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from . import clock
from .config import ConfigError, ProviderConfig
from .models import (
    AuthorizationCode,
    Base,
    Client,
    Consent,
    DeviceCode,
    Grant,
    LogEntry,
    Setting,
    SigningKey,
    Token,
    User,
)

LOG_KEPT = 2000  # newest request-log entries kept; older ones rotate out
POOL_SIZE = 12  # waitress serves with 8 threads


def make_engine(database_url: str | None) -> Engine:
    """Create the engine. No URL, or in-memory SQLite, gets a throwaway SQLite file instead
    (removed at exit): an in-memory database lives in one connection, and each server thread
    needs its own."""
    url = make_url(database_url or "sqlite://")
    is_sqlite = url.get_backend_name() == "sqlite"
    if is_sqlite and url.database in (None, "", ":memory:"):
        folder = tempfile.mkdtemp(prefix="mock-provider-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        url = make_url(f"sqlite:///{Path(folder) / 'provider.sqlite3'}")
    # One pooled connection per server thread and a few more: connections opened beyond the pool
    # are closed after each use, and reopening costs more than the query. The most recently used
    # connection is handed out first: another connection's write empties a SQLite connection's
    # page cache, so a connection that rests is a cold one.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30} if is_sqlite else {},
        pool_size=POOL_SIZE,
        pool_use_lifo=True,
    )
    if is_sqlite:
        event.listen(engine, "connect", _tune_sqlite)
    for attempt in range(10):
        try:
            Base.metadata.create_all(engine)
            _add_new_columns(engine)
            break
        # A worker starting alongside created a table first: SQLite says it is locked,
        # PostgreSQL that the table or its row type already exists.
        except (OperationalError, IntegrityError, ProgrammingError):
            if attempt == 9:
                raise
            time.sleep(0.05)
    return engine


def _add_new_columns(engine: Engine) -> None:
    """Add the columns a newer version brought to tables an earlier one created: create_all
    makes missing tables but never alters one, and the default database outlives every run.
    New columns are nullable, so the rows already there keep working."""
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(
                        text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
                    )


def _tune_sqlite(connection: Any, _record: Any) -> None:
    # WAL lets readers and one writer work at once, and a kill -9 loses no committed row.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_app(app: Flask, config: ProviderConfig, engine: Engine) -> None:
    """Bind a session per request and load the configured clients and users."""
    factory = sessionmaker(engine, expire_on_commit=False)
    app.extensions["mock_provider"].sessions = factory
    app.teardown_appcontext(_close_session)
    with app.app_context():
        seed(config)


def db() -> Session:
    """The database session of the current request (or app context)."""
    if "db" not in g:
        g.db = current_app.extensions["mock_provider"].sessions()
    return g.db


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def seed(config: ProviderConfig) -> None:
    """Write the configured clients and users; dynamically registered clients are kept."""
    session = db()
    # Rows reach the database at commit, not in a mid-loop autoflush, so a worker that
    # loses the start-up race meets the IntegrityError where it is tolerated.
    with session.no_autoflush:
        for spec in config.clients:
            session.merge(
                Client(
                    client_id=spec.client_id,
                    client_secret=spec.client_secret,
                    client_name=spec.client_name,
                    redirect_uris=list(spec.redirect_uris),
                    post_logout_redirect_uris=list(spec.post_logout_redirect_uris),
                    grant_types=list(spec.grant_types),
                    scope=spec.scope,
                    require_pkce=spec.require_pkce,
                    access_token_format=spec.access_token_format,
                    origin="config",
                )
            )
        for user in config.users:
            session.merge(
                User(
                    username=user.username,
                    sub=user.claims["sub"],
                    password=user.password,
                    claims=user.claims,
                )
            )
    _commit_tolerating_races(session)
    _check_subjects_seeded(config)
    get_setting("secret_key", secrets.token_hex(32))


def _check_subjects_seeded(config: ProviderConfig) -> None:
    """A seed rolled back by a lost start-up race finds the winner's identical rows. Anything
    else means the database gives a configured user's `sub` to another username (a user renamed
    since the last run), and the config's clients and users were not written: say so."""
    for user in config.users:
        sub = user.claims["sub"]
        stored = get_user(user.username)
        if stored is None or stored.sub != sub:
            holder = db().scalar(select(User.username).where(User.sub == sub))
            database = make_url(config.database_url).render_as_string(hide_password=True)
            raise ConfigError(
                f"[users.{user.username}] sub: {sub!r} already belongs to user {holder!r} in "
                f"the database {database}; give [users.{user.username}] another "
                "sub, or start with a fresh --database (OIDC Core §2: one sub, one end-user)"
            )


def _commit_tolerating_races(session: Session) -> None:
    # Several workers seed at once on start-up; they write the same rows, so a loser can
    # simply take what the winner wrote.
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


#: Built once: the clock reads a setting on every request, and building the statement each time
#: cost more than running it.
_SETTING_VALUE = select(Setting.value).where(Setting.name == bindparam("name"))


def get_setting(name: str, default: str) -> str:
    """Read a shared setting, storing `default` the first time (first writer wins)."""
    session = db()
    value = session.connection().execute(_SETTING_VALUE, {"name": name}).scalar()
    if value is None:
        session.add(Setting(name=name, value=default))
        _commit_tolerating_races(session)
        value = session.connection().execute(_SETTING_VALUE, {"name": name}).scalar()
    return default if value is None else value


#: Changes whenever `reset` forgets the registrations (it deletes the setting, and the next read
#: stores a new value), so a client that cached its registration knows to register again.
GENERATION_SETTING = "generation"


def generation() -> str:
    return get_setting(GENERATION_SETTING, secrets.token_hex(8))


def set_setting(name: str, value: str) -> None:
    session = db()
    session.merge(Setting(name=name, value=value))
    session.commit()


# Reading rows outside the session


#: Nearly every request looks up a client, a user, a code or a token. Read as plain rows they
#: cost a quarter of an ORM `Session.get` (21 against 87 us), and nothing writes the objects
#: built from them back: changes are made with UPDATE statements. So they stay outside the
#: session.
_CLIENT = select(Client.__table__).where(Client.client_id == bindparam("key"))
_USER = select(User.__table__).where(User.username == bindparam("key"))
_GRANT = select(Grant.__table__).where(Grant.id == bindparam("key"))
_CODE = select(AuthorizationCode.__table__).where(AuthorizationCode.code == bindparam("key"))
_TOKEN_BY = {
    column: select(Token.__table__).where(Token.__table__.c[column] == bindparam("key"))
    for column in ("access_token", "refresh_token")
}


def _one(model: type[Base], statement: Any, key: Any) -> Any:
    """The `model` object built from the one row `statement` finds for `key`, if any."""
    if key is None or key == "":
        return None
    row = db().connection().execute(statement, {"key": key}).mappings().first()
    return None if row is None else model(**row)


# Clients and users


def get_client(client_id: str | None) -> Client | None:
    return _once_per_request(Client, _CLIENT, client_id)


def add_client(client: Client) -> Client:
    session = db()
    session.add(client)
    session.commit()
    return client


def get_user(username: str | None) -> User | None:
    return _once_per_request(User, _USER, username)


def _once_per_request(model: type[Base], statement: Any, key: Any) -> Any:
    """`_one`, remembered for the rest of the request: Authlib and the grants ask for the same
    client or user several times in one request, and neither changes during it."""
    remembered = g.setdefault("rows", {})
    if (model, key) not in remembered:
        remembered[(model, key)] = _one(model, statement, key)
    return remembered[(model, key)]


def list_users() -> list[User]:
    return list(db().scalars(select(User).order_by(User.username)))


def list_clients() -> list[Client]:
    return list(db().scalars(select(Client).order_by(Client.client_id)))


# Grants, codes and tokens


def new_grant(
    grant_type: str,
    client_id: str,
    username: str | None,
    scope: str,
    issuer: str,
    resources: list[str] | None = None,
) -> Grant:
    """Start a lineage: the codes and tokens of this authorization will point at it.

    The grant is saved together with the first code or token that refers to it.
    """
    return Grant(
        grant_type=grant_type,
        client_id=client_id,
        username=username,
        scope=scope,
        issuer=issuer,
        resources=resources or None,
        created_at=clock.now(),
    )


def add(row: Any) -> None:
    """Insert a new code or token, and the grant it starts if that is new too; commit.

    Plain INSERTs: the ORM's unit of work took a sixth of a whole authorization-code flow
    to save three small rows. `row` stays outside the session; nothing reads it back.
    """
    grant: Grant | None = getattr(row, "grant", None)
    if grant is not None:
        if grant.id is None:
            grant.id = _insert(grant)
        row.grant_id = grant.id
    _insert(row)
    db().commit()


def _insert(row: Any) -> Any:
    """INSERT the columns `row` has values for (the others take their defaults); its key."""
    table = row.__table__
    values = {c.key: value for c in table.columns if (value := getattr(row, c.key)) is not None}
    return db().connection().execute(insert(table), values).inserted_primary_key[0]


def find_code(code: str, client_id: str) -> AuthorizationCode | None:
    row: AuthorizationCode | None = _one(AuthorizationCode, _CODE, code)
    if row is None or row.client_id != client_id:
        return None
    row.grant = _one(Grant, _GRANT, row.grant_id)
    return row


def _claim(statement: Any) -> bool:
    """Run a conditional UPDATE; True for exactly one caller, however many race.

    It is committed together with the tokens it yields (`add`). Until then the row stays locked,
    so a racing UPDATE waits for that commit and then matches nothing.
    """
    return db().connection().execute(statement).rowcount == 1


def claim_code(code: AuthorizationCode) -> bool:
    """Mark a code redeemed (RFC 6749 §4.1.2: a code is single use)."""
    return _claim(
        update(AuthorizationCode)
        .where(AuthorizationCode.code == code.code, AuthorizationCode.redeemed_at.is_(None))
        .values(redeemed_at=clock.now())
    )


def claim_refresh_token(token: Token) -> bool:
    """Mark a refresh token rotated (RFC 9700 §4.14.2: each is exchanged once)."""
    return _claim(
        update(Token)
        .where(Token.id == token.id, Token.rotated_at.is_(None), Token.revoked_at.is_(None))
        .values(rotated_at=clock.now())
    )


def claim_device_code(device: DeviceCode) -> bool:
    """Mark an approved device code redeemed: it is redeemed once, like an authorization code."""
    return _claim(
        update(DeviceCode)
        .where(DeviceCode.device_code == device.device_code, DeviceCode.redeemed_at.is_(None))
        .values(redeemed_at=clock.now())
    )


def revoke_grant(grant_id: int, reason: str) -> None:
    """Revoke a grant and so every token issued under it."""
    db().execute(
        update(Grant)
        .where(Grant.id == grant_id, Grant.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    )
    db().commit()


def revoke_token(token: Token) -> None:
    db().execute(update(Token).where(Token.id == token.id).values(revoked_at=clock.now()))
    db().commit()


def find_token(value: str, hint: str | None = None) -> Token | None:
    """Find a token by its access or refresh value (RFC 7009 §2.1: the hint is only a hint)."""
    columns = ["access_token", "refresh_token"]
    if hint == "refresh_token":
        columns.reverse()
    for column in columns:
        token = token_by(column, value)
        if token is not None:
            return token
    return None


def token_by(column: str, value: str) -> Token | None:
    """The token whose `column` ("access_token" or "refresh_token") is `value`, with its grant,
    client and user: where only one kind of token is acceptable."""
    token: Token | None = _one(Token, _TOKEN_BY[column], value)
    if token is not None:
        token.grant = _one(Grant, _GRANT, token.grant_id)
        token.client = get_client(token.client_id)
        token.user = get_user(token.username)
    return token


def find_device_code(device_code: str) -> DeviceCode | None:
    return db().get(DeviceCode, device_code)


def find_user_code(user_code: str) -> DeviceCode | None:
    return db().scalars(select(DeviceCode).where(DeviceCode.user_code == user_code)).first()


def record_poll(device: DeviceCode, at: float) -> None:
    device.last_polled_at = at
    db().commit()


def consented_scope(username: str, client_id: str) -> set[str]:
    row = db().get(Consent, (username, client_id))
    return set(row.scope.split()) if row else set()


def remember_consent(username: str, client_id: str, scope: str) -> None:
    """Add `scope` to what the user allowed the client.

    In a classroom many browsers press Allow for the same user and client at once, and each
    finds no row yet: the first INSERT wins, the others fail on the primary key. A loser reads
    the winner's row and updates it instead (once is enough: the row now exists).
    """
    for attempt in range(2):
        merged = consented_scope(username, client_id) | set(scope.split())
        db().merge(Consent(username=username, client_id=client_id, scope=" ".join(sorted(merged))))
        try:
            db().commit()
            return
        except IntegrityError:
            db().rollback()
            if attempt:
                raise


# The request log


_INSERT_LOG_ENTRY = insert(LogEntry.__table__)


def append_log(**entry: Any) -> None:
    """Add one request-log entry; a plain INSERT, since it happens on every request."""
    session = db()
    result = session.connection().execute(_INSERT_LOG_ENTRY, entry)
    entry_id = result.inserted_primary_key[0]  # type: ignore[attr-defined]
    if entry_id % 100 == 0:  # trim now and then, not on every request
        session.execute(delete(LogEntry).where(LogEntry.id <= entry_id - LOG_KEPT))
    session.commit()


def read_log(client_id: str | None, limit: int) -> list[LogEntry]:
    query = select(LogEntry).order_by(LogEntry.id.desc()).limit(limit)
    if client_id:
        query = query.where(LogEntry.client_id == client_id)
    return list(db().scalars(query))


# Keys


def signing_keys() -> list[SigningKey]:
    return list(db().scalars(select(SigningKey).order_by(SigningKey.created_at)))


#: Every token asks for it, and a process that has parsed the key needs only its kid.
_ACTIVE_KID = (
    select(SigningKey.kid).where(SigningKey.active).order_by(SigningKey.created_at.desc()).limit(1)
)


def active_kid() -> str | None:
    """The kid of the newest active signing key, if there is one."""
    return db().connection().execute(_ACTIVE_KID).scalar()


def get_signing_key(kid: str) -> SigningKey:
    return db().get_one(SigningKey, kid)


def add_signing_key(key: SigningKey, retire_others: bool) -> None:
    session = db()
    if retire_others:
        session.execute(update(SigningKey).values(active=False))
    session.add(key)
    _commit_tolerating_races(session)


# The state view and reset


def state_rows() -> dict[str, list[Any]]:
    """Every grant with its codes and tokens, newest first, for the state view."""
    session = db()
    return {
        "grants": list(session.scalars(select(Grant).order_by(Grant.id.desc()))),
        "codes": list(session.scalars(select(AuthorizationCode))),
        "tokens": list(session.scalars(select(Token).order_by(Token.id))),
        "device_codes": list(session.scalars(select(DeviceCode))),
    }


def reset(config: ProviderConfig) -> None:
    """Forget every grant, code, token, consent, registration and log entry, and the retired
    signing keys (they only verified tokens that are now forgotten); reseed."""
    session = db()
    for model in (Token, AuthorizationCode, DeviceCode, Grant, Consent, LogEntry, Client, User):
        session.execute(delete(model))
    session.execute(delete(SigningKey).where(SigningKey.active.is_(False)))
    g.pop("rows", None)  # the clients and users this request read are gone
    session.execute(
        delete(Setting).where(Setting.name.in_((clock.OFFSET_SETTING, GENERATION_SETTING)))
    )
    session.commit()
    seed(config)
