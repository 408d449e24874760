//! Engine.IO v4 long-polling payloads: every HTTP body, in either
//! direction, carries one or more Engine.IO text packets joined by the
//! record separator (U+001E). Binary packets (`b…`, base64) are not used
//! by this chat.

/// What separates the packets of one payload.
pub const RECORD_SEPARATOR: char = '\u{1e}';

/// The packets of a payload, in order (each still `<type digit><data>`).
pub fn decode(body: &str) -> impl Iterator<Item = &str> {
    body.split(RECORD_SEPARATOR)
        .filter(|packet| !packet.is_empty())
}

/// As many of `packets` (from the front) as fit in one payload of at most
/// `max_bytes` (always at least one, so that nothing is stuck), joined;
/// and how many that was.
pub fn encode(packets: &[String], max_bytes: usize) -> (String, usize) {
    let mut body = String::new();
    let mut taken = 0;
    for packet in packets {
        let separator = usize::from(taken > 0);
        if taken > 0 && body.len() + separator + packet.len() > max_bytes {
            break;
        }
        if taken > 0 {
            body.push(RECORD_SEPARATOR);
        }
        body.push_str(packet);
        taken += 1;
    }
    (body, taken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sio::packet::EnginePacket;

    #[test]
    fn a_payload_splits_into_its_packets() {
        let body = "0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000}";
        let packets: Vec<&str> = decode(body).collect();
        assert_eq!(packets.len(), 1);
        assert!(matches!(
            EnginePacket::decode(packets[0]),
            Ok(EnginePacket::Open(open)) if open.sid == "abc"
        ));

        let body = "2\u{1e}40{\"sid\":\"x\"}\u{1e}42[\"message\",{\"id\":1}]";
        let packets: Vec<&str> = decode(body).collect();
        assert_eq!(
            packets,
            ["2", "40{\"sid\":\"x\"}", "42[\"message\",{\"id\":1}]"]
        );
        assert_eq!(decode("").count(), 0);
        assert_eq!(decode("6").collect::<Vec<_>>(), ["6"]);
    }

    #[test]
    fn packets_are_joined_with_the_record_separator_within_the_size_limit() {
        let packets: Vec<String> = ["3", "42[\"typing\",{}]", "420[\"join\",{}]"]
            .map(str::to_owned)
            .into();
        let (body, taken) = encode(&packets, 1_000_000);
        assert_eq!(body, "3\u{1e}42[\"typing\",{}]\u{1e}420[\"join\",{}]");
        assert_eq!(taken, 3);
        assert_eq!(decode(&body).collect::<Vec<_>>(), packets);

        // What does not fit waits for the next request.
        let (body, taken) = encode(&packets, 18);
        assert_eq!((body.as_str(), taken), ("3\u{1e}42[\"typing\",{}]", 2));
        // One packet over the limit still goes (the server answers for it).
        let (body, taken) = encode(&packets[2..], 4);
        assert_eq!((body.as_str(), taken), ("420[\"join\",{}]", 1));
        assert_eq!(encode(&[], 10), (String::new(), 0));
    }
}
