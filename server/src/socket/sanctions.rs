//! `mute` and `ban`, for staff: through the core, acknowledged with when
//! the sanction ends (`null` once lifted).

use super::auth::{Identity, Staff};
use super::reply::{invalid, limit, refused, respond, room_name};
use super::state::SocketState;
use chat_core::Chat;
use protocol::events::{AckError, BanRequest, ErrorCode, MuteRequest, SanctionReply};
use protocol::message::format_timestamp;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, MaybeExtension, SocketRef, State, TryData};

/// Refuses unless the socket's staff rights still hold.
async fn staff_only(staff: Option<Staff>, chat: &Chat) -> Result<(), AckError> {
    if Staff::confirmed(staff.as_ref(), chat).await {
        Ok(())
    } else {
        Err(AckError::new(
            ErrorCode::Forbidden,
            "only staff can mute or ban",
        ))
    }
}

pub async fn mute<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    MaybeExtension(staff): MaybeExtension<Staff>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<MuteRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        staff_only(staff, &chat).await?;
        let request = request.map_err(invalid)?;
        let room = room_name(&request.room)?;
        let until = chat
            .impose(&me, Some(&room), &request.username, request.minutes)
            .await
            .map_err(refused)?;
        Ok(SanctionReply {
            until: until.as_ref().map(format_timestamp),
        })
    };
    respond(ack, outcome.await);
}

pub async fn ban<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    MaybeExtension(staff): MaybeExtension<Staff>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<BanRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        staff_only(staff, &chat).await?;
        let request = request.map_err(invalid)?;
        let until = chat
            .impose(&me, None, &request.username, request.minutes)
            .await
            .map_err(refused)?;
        Ok(SanctionReply {
            until: until.as_ref().map(format_timestamp),
        })
    };
    respond(ack, outcome.await);
}
