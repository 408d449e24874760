use super::document::{AdminDocument, Moment, Outcome, WideTable};
use super::{PageContext, RoomSummary, SanctionSummary};
use leptos::either::Either;
use leptos::prelude::*;

/// `/admin/`: the rooms, the mutes and bans in force (each with *Lift*),
/// and a form to mute or ban someone.
#[component]
pub fn OverviewPage(
    context: PageContext,
    rooms: Vec<RoomSummary>,
    sanctions: Vec<SanctionSummary>,
    notice: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    view! {
        <AdminDocument context title="Rooms".to_owned()>
            <Outcome notice error />
            <RoomsTable rooms />
            <h2>"Mutes and bans"</h2>
            <SanctionsTable sanctions />
            <ImposeForm />
        </AdminDocument>
    }
}

#[component]
fn RoomsTable(rooms: Vec<RoomSummary>) -> impl IntoView {
    if rooms.is_empty() {
        return Either::Left(view! { <p class="admin-empty">"No rooms yet."</p> });
    }
    let rows = rooms
        .into_iter()
        .map(|room| {
            // Room names are letters, digits, `_`, `-` and `.`: a safe path.
            let href = format!("/admin/rooms/{}/", room.name);
            let online = match room.online.len() {
                0 => "—".to_owned(),
                _ => room.online.join(", "),
            };
            let private = room.private.then(|| {
                view! { <span class="admin-badge" title="Only its members see it">"private"</span> }
            });
            view! {
                <tr>
                    <td><a href=href>"#" {room.name}</a> {private}</td>
                    <td class="number">{room.message_count}</td>
                    <td><Moment at=room.last_activity /></td>
                    <td>{online}</td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <WideTable label="Rooms">
            <table class="admin-table rooms">
                <thead>
                    <tr>
                        <th scope="col">"Room"</th>
                        <th scope="col" class="number">"Messages"</th>
                        <th scope="col">"Last activity"</th>
                        <th scope="col">"Online now"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </WideTable>
    })
}

#[component]
fn SanctionsTable(sanctions: Vec<SanctionSummary>) -> impl IntoView {
    if sanctions.is_empty() {
        return Either::Left(view! { <p class="admin-empty">"No one is muted or banned."</p> });
    }
    let rows = sanctions
        .into_iter()
        .map(|s| {
            let what = match &s.room {
                Some(room) => format!("muted in #{room}"),
                None => "banned".to_owned(),
            };
            view! {
                <tr>
                    <td>{s.username.clone()}</td>
                    <td>{what}</td>
                    <td><Moment at=Some(s.until) /></td>
                    <td>{s.issued_by}</td>
                    <td>
                        <form method="post" action="/admin/sanctions">
                            <input type="hidden" name="kind" value=s.kind />
                            <input type="hidden" name="room" value=s.room.unwrap_or_default() />
                            <input type="hidden" name="username" value=s.username />
                            <input type="hidden" name="minutes" value="0" />
                            <button type="submit" class="link">"Lift"</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <WideTable label="Mutes and bans">
            <table class="admin-table sanctions">
                <thead>
                    <tr>
                        <th scope="col">"User"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Until"</th>
                        <th scope="col">"By"</th>
                        <th scope="col"><span class="visually-hidden">"Lift"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </WideTable>
    })
}

/// Mute someone in a room, or ban them everywhere, for some minutes.
#[component]
fn ImposeForm() -> impl IntoView {
    view! {
        <form class="admin-form impose" method="post" action="/admin/sanctions">
            <fieldset>
                <legend>"Mute or ban someone"</legend>
                <label for="impose-username">"Username"</label>
                <input id="impose-username" name="username" required maxlength="32" />
                <label for="impose-kind">"What"</label>
                <select id="impose-kind" name="kind">
                    <option value="mute">"Mute in a room"</option>
                    <option value="ban">"Ban everywhere"</option>
                </select>
                <label for="impose-room">"Room (for a mute)"</label>
                <input id="impose-room" name="room" maxlength="32" />
                <label for="impose-minutes">"Minutes"</label>
                <input id="impose-minutes" name="minutes" type="number" min="1" max="525600" value="60" required />
                <button type="submit">"Apply"</button>
            </fieldset>
        </form>
    }
}
