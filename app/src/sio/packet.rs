//! Engine.IO v4 and Socket.IO v5 text packets.
//!
//! Engine.IO frames a WebSocket message as `<type digit><data>`; a `message`
//! frame carries one Socket.IO packet:
//! `<type>[<attachments>-][<namespace>,][<ack id>][<json>]`.
//! Binary attachments are not used by this chat and are refused.

use serde::Deserialize;
use serde_json::Value;

/// A packet that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty packet")]
    Empty,
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    #[error("binary packets are not supported")]
    Binary,
    #[error("malformed packet: {0}")]
    Malformed(String),
}

/// The handshake the server sends first (`0{...}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInfo {
    pub sid: String,
    #[serde(default)]
    pub upgrades: Vec<String>,
    /// Milliseconds between the server's pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong.
    pub ping_timeout: u64,
    #[serde(default)]
    pub max_payload: u64,
}

/// An Engine.IO packet.
#[derive(Debug, Clone, PartialEq)]
pub enum EnginePacket {
    Open(OpenInfo),
    Close,
    Ping(String),
    Pong(String),
    Message(String),
    Upgrade,
    Noop,
}

impl EnginePacket {
    /// Parses one Engine.IO text frame.
    pub fn decode(frame: &str) -> Result<Self, DecodeError> {
        let mut chars = frame.chars();
        let kind = chars.next().ok_or(DecodeError::Empty)?;
        let data = chars.as_str();
        Ok(match kind {
            '0' => EnginePacket::Open(
                serde_json::from_str(data).map_err(|e| DecodeError::Malformed(e.to_string()))?,
            ),
            '1' => EnginePacket::Close,
            '2' => EnginePacket::Ping(data.to_owned()),
            '3' => EnginePacket::Pong(data.to_owned()),
            '4' => EnginePacket::Message(data.to_owned()),
            '5' => EnginePacket::Upgrade,
            '6' => EnginePacket::Noop,
            other => return Err(DecodeError::UnknownType(other)),
        })
    }

    /// Serialises the packet as one text frame.
    pub fn encode(&self) -> String {
        match self {
            EnginePacket::Open(_) => "0".to_owned(),
            EnginePacket::Close => "1".to_owned(),
            EnginePacket::Ping(data) => format!("2{data}"),
            EnginePacket::Pong(data) => format!("3{data}"),
            EnginePacket::Message(data) => format!("4{data}"),
            EnginePacket::Upgrade => "5".to_owned(),
            EnginePacket::Noop => "6".to_owned(),
        }
    }
}

/// A Socket.IO packet (text only).
#[derive(Debug, Clone, PartialEq)]
pub enum SocketPacket {
    /// Client: ask to join `namespace`, with optional auth. Server: accepted.
    Connect {
        namespace: String,
        data: Option<Value>,
    },
    Disconnect {
        namespace: String,
    },
    Event {
        namespace: String,
        id: Option<u64>,
        name: String,
        args: Vec<Value>,
    },
    Ack {
        namespace: String,
        id: u64,
        args: Vec<Value>,
    },
    /// The server refused the namespace connection (e.g. no session).
    ConnectError {
        namespace: String,
        data: Value,
    },
}

impl SocketPacket {
    /// An event for the main namespace.
    pub fn event(name: &str, id: Option<u64>, args: Vec<Value>) -> Self {
        SocketPacket::Event {
            namespace: "/".into(),
            id,
            name: name.into(),
            args,
        }
    }

    /// Parses the payload of an Engine.IO `message` packet.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(DecodeError::Empty)?;
        if matches!(kind, '5' | '6') {
            return Err(DecodeError::Binary);
        }
        let mut rest = chars.as_str();

        let namespace = if rest.starts_with('/') {
            let end = rest.find(',').unwrap_or(rest.len());
            let namespace = rest[..end].to_owned();
            rest = rest.get(end + 1..).unwrap_or("");
            namespace
        } else {
            "/".to_owned()
        };

        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let id = match digits {
            0 => None,
            _ => Some(
                rest[..digits]
                    .parse::<u64>()
                    .map_err(|e| DecodeError::Malformed(e.to_string()))?,
            ),
        };
        rest = &rest[digits..];

        let json = |text: &str| -> Result<Value, DecodeError> {
            serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))
        };
        let array = |text: &str| -> Result<Vec<Value>, DecodeError> {
            match json(text)? {
                Value::Array(items) => Ok(items),
                _ => Err(DecodeError::Malformed("expected a JSON array".into())),
            }
        };

        Ok(match kind {
            '0' => SocketPacket::Connect {
                namespace,
                data: if rest.is_empty() {
                    None
                } else {
                    Some(json(rest)?)
                },
            },
            '1' => SocketPacket::Disconnect { namespace },
            '2' => {
                let mut args = array(rest)?;
                if args.is_empty() {
                    return Err(DecodeError::Malformed("event without a name".into()));
                }
                let name = match args.remove(0) {
                    Value::String(name) => name,
                    _ => return Err(DecodeError::Malformed("event name is not a string".into())),
                };
                SocketPacket::Event {
                    namespace,
                    id,
                    name,
                    args,
                }
            }
            '3' => SocketPacket::Ack {
                namespace,
                id: id.ok_or_else(|| DecodeError::Malformed("ack without an id".into()))?,
                args: array(rest)?,
            },
            '4' => SocketPacket::ConnectError {
                namespace,
                data: json(rest)?,
            },
            other => return Err(DecodeError::UnknownType(other)),
        })
    }

    /// Serialises the packet (without the Engine.IO `4` prefix).
    pub fn encode(&self) -> String {
        fn prefix(kind: u8, namespace: &str) -> String {
            if namespace == "/" {
                kind.to_string()
            } else {
                format!("{kind}{namespace},")
            }
        }
        fn with_args(mut head: String, id: Option<u64>, args: Vec<Value>) -> String {
            if let Some(id) = id {
                head.push_str(&id.to_string());
            }
            head.push_str(&Value::Array(args).to_string());
            head
        }
        match self {
            SocketPacket::Connect { namespace, data } => {
                let mut out = prefix(0, namespace);
                if let Some(data) = data {
                    out.push_str(&data.to_string());
                }
                out
            }
            SocketPacket::Disconnect { namespace } => prefix(1, namespace),
            SocketPacket::Event {
                namespace,
                id,
                name,
                args,
            } => {
                let mut all = Vec::with_capacity(args.len() + 1);
                all.push(Value::String(name.clone()));
                all.extend(args.iter().cloned());
                with_args(prefix(2, namespace), *id, all)
            }
            SocketPacket::Ack {
                namespace,
                id,
                args,
            } => with_args(prefix(3, namespace), Some(*id), args.clone()),
            SocketPacket::ConnectError { namespace, data } => {
                format!("{}{}", prefix(4, namespace), data)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_engine_open_handshake() {
        let frame = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
        let EnginePacket::Open(info) = EnginePacket::decode(frame).unwrap() else {
            panic!("not an open packet")
        };
        assert_eq!(info.sid, "lv_VI97HAXpY6yYWAAAC");
        assert_eq!((info.ping_interval, info.ping_timeout), (25_000, 20_000));
    }

    #[test]
    fn engine_ping_pong_and_messages_round_trip() {
        for packet in [
            EnginePacket::Ping(String::new()),
            EnginePacket::Pong("probe".into()),
            EnginePacket::Message("2[\"x\"]".into()),
            EnginePacket::Close,
            EnginePacket::Noop,
        ] {
            assert_eq!(EnginePacket::decode(&packet.encode()).unwrap(), packet);
        }
        assert_eq!(EnginePacket::decode(""), Err(DecodeError::Empty));
        assert_eq!(
            EnginePacket::decode("9"),
            Err(DecodeError::UnknownType('9'))
        );
    }

    #[test]
    fn encodes_connect_with_and_without_auth() {
        let plain = SocketPacket::Connect {
            namespace: "/".into(),
            data: None,
        };
        assert_eq!(plain.encode(), "0");
        let auth = SocketPacket::Connect {
            namespace: "/".into(),
            data: Some(json!({"token": "t"})),
        };
        assert_eq!(auth.encode(), r#"0{"token":"t"}"#);
        let admin = SocketPacket::Connect {
            namespace: "/admin".into(),
            data: None,
        };
        assert_eq!(admin.encode(), "0/admin,");
    }

    #[test]
    fn decodes_connect_accept_and_refusal() {
        assert_eq!(
            SocketPacket::decode(r#"0{"sid":"abc"}"#).unwrap(),
            SocketPacket::Connect {
                namespace: "/".into(),
                data: Some(json!({"sid": "abc"}))
            }
        );
        assert_eq!(
            SocketPacket::decode(r#"4{"message":"unauthorized"}"#).unwrap(),
            SocketPacket::ConnectError {
                namespace: "/".into(),
                data: json!({"message": "unauthorized"})
            }
        );
    }

    #[test]
    fn events_with_ack_ids_round_trip() {
        let event = SocketPacket::event(
            "send_message",
            Some(12),
            vec![json!({"room": "a", "content": "hi"})],
        );
        let text = event.encode();
        assert_eq!(text, r#"212["send_message",{"content":"hi","room":"a"}]"#);
        assert_eq!(SocketPacket::decode(&text).unwrap(), event);
    }

    #[test]
    fn decodes_events_in_other_namespaces_and_without_ids() {
        assert_eq!(
            SocketPacket::decode(r#"2/chat,["message",1,"two"]"#).unwrap(),
            SocketPacket::Event {
                namespace: "/chat".into(),
                id: None,
                name: "message".into(),
                args: vec![json!(1), json!("two")],
            }
        );
    }

    #[test]
    fn decodes_acks() {
        assert_eq!(
            SocketPacket::decode(r#"37[{"ok":true}]"#).unwrap(),
            SocketPacket::Ack {
                namespace: "/".into(),
                id: 7,
                args: vec![json!({"ok": true})]
            }
        );
        let ack = SocketPacket::Ack {
            namespace: "/x".into(),
            id: 3,
            args: vec![],
        };
        assert_eq!(SocketPacket::decode(&ack.encode()).unwrap(), ack);
    }

    #[test]
    fn refuses_malformed_and_binary_packets() {
        assert_eq!(SocketPacket::decode(""), Err(DecodeError::Empty));
        assert_eq!(
            SocketPacket::decode(r#"51-["x",{"_placeholder":true,"num":0}]"#),
            Err(DecodeError::Binary)
        );
        assert!(matches!(
            SocketPacket::decode("2[1]"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            SocketPacket::decode("2[]"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            SocketPacket::decode("2{\"a\":1}"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            SocketPacket::decode("3[]"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            SocketPacket::decode("2[\"x\""),
            Err(DecodeError::Malformed(_))
        ));
        assert_eq!(
            SocketPacket::decode("9"),
            Err(DecodeError::UnknownType('9'))
        );
    }
}
