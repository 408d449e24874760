//! Who a request comes from and which address users reach the site by.
//!
//! Behind a reverse proxy every connection comes from the proxy. Its
//! `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the
//! connection comes from an address in `TRUSTED_PROXIES`; anyone else could
//! write them. The site's own address comes from `PUBLIC_URL` when set, never
//! from a client's `X-Forwarded-Host`.

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, Uri, header};
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The proxies to believe and the public address, shared by every handler.
#[derive(Debug, Clone, Default)]
pub struct Network {
    trusted: Arc<[IpNet]>,
    public: Option<Arc<str>>,
}

/// Why `PUBLIC_URL` cannot be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "PUBLIC_URL must look like https://chat.example.com (http or https, a host, no path), not {0:?}"
)]
pub struct PublicUrlError(String);

impl Network {
    /// `public_url` is the site's address as users see it, if configured.
    pub fn new(trusted: &[IpNet], public_url: Option<&str>) -> Result<Self, PublicUrlError> {
        let public = public_url.map(public_origin).transpose()?;
        Ok(Network {
            trusted: trusted.iter().map(IpNet::trunc).collect(),
            public: public.map(Arc::from),
        })
    }

    /// Whether connections from `ip` may speak for their clients: they are
    /// not counted against one address's caps themselves.
    pub fn is_proxy(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer's, or, when the peer is a trusted
    /// proxy, the nearest address in `X-Forwarded-For` that is not one.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // `::ffff:192.0.2.1` is `192.0.2.1`: one client, one address.
        let peer = peer.to_canonical();
        if !self.is_proxy(peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|hop| hop.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()))
            .collect::<Result<_, _>>()
            // A list that does not parse was not written by our proxy in
            // full: believe none of it.
            .unwrap_or_default();
        forwarded
            .iter()
            .rev()
            .find(|ip| !self.is_proxy(**ip))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer)
    }

    /// `scheme://host[:port]` as users see the site: `PUBLIC_URL`, or the
    /// request's `Host` with the scheme a trusted proxy reports.
    pub fn site_base(&self, peer: IpAddr, headers: &HeaderMap) -> String {
        if let Some(public) = &self.public {
            return public.to_string();
        }
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let scheme = match text(header::HeaderName::from_static("x-forwarded-proto")) {
            Some(proto) if self.is_proxy(peer) && proto.trim().eq_ignore_ascii_case("https") => {
                "https"
            }
            _ => "http",
        };
        let host = text(header::HOST).unwrap_or("localhost");
        format!("{scheme}://{host}")
    }

    /// Whether a page at `origin` is the site itself.
    pub fn is_own_origin(&self, origin: &str, headers: &HeaderMap) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if let Some(public) = &self.public {
            return origin == public.as_ref();
        }
        headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|host| {
                let host = host.to_ascii_lowercase();
                origin == format!("http://{host}") || origin == format!("https://{host}")
            })
    }

    /// Whether cookies must be `Secure`: the public address is https.
    pub fn secure_cookies(&self) -> bool {
        self.public
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }
}

/// `https://Chat.Example.com/` → `https://chat.example.com`.
fn public_origin(url: &str) -> Result<String, PublicUrlError> {
    let invalid = || PublicUrlError(url.to_owned());
    let uri: Uri = url.trim().parse().map_err(|_| invalid())?;
    let scheme = uri.scheme_str().ok_or_else(invalid)?.to_ascii_lowercase();
    let authority = uri.authority().ok_or_else(invalid)?;
    let no_path = matches!(uri.path(), "" | "/") && uri.query().is_none();
    if !matches!(scheme.as_str(), "http" | "https") || !no_path || authority.as_str().contains('@')
    {
        return Err(invalid());
    }
    Ok(format!(
        "{scheme}://{}",
        authority.as_str().to_ascii_lowercase()
    ))
}

/// The client's address (see [`Network::client_ip`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp
where
    Network: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let network = Network::from_ref(state);
        Ok(ClientIp(
            network.client_ip(peer(&parts.extensions), &parts.headers),
        ))
    }
}

/// `scheme://host` as users see the site (see [`Network::site_base`]).
#[derive(Debug, Clone)]
pub struct SiteBase(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SiteBase
where
    Network: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let network = Network::from_ref(state);
        Ok(SiteBase(
            network.site_base(peer(&parts.extensions), &parts.headers),
        ))
    }
}

/// The connection's peer; unspecified when served without connect info
/// (an embedding that does not use [`serve`](super::serve)).
pub fn peer(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
            addr.ip()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let network = Network::new(&["10.0.0.0/8".parse().unwrap()], None).unwrap();
        let headers = forwarded("198.51.100.7, 10.1.2.3");
        assert_eq!(
            network.client_ip(ip("10.0.0.1"), &headers),
            ip("198.51.100.7")
        );
        assert_eq!(
            network.client_ip(ip("203.0.113.9"), &headers),
            ip("203.0.113.9")
        );
        // A client that writes its own X-Forwarded-For before the proxy
        // appends the real address gains nothing.
        let spoofed = forwarded("1.1.1.1, 198.51.100.7");
        assert_eq!(
            network.client_ip(ip("10.0.0.1"), &spoofed),
            ip("198.51.100.7")
        );
        assert_eq!(
            network.client_ip(ip("10.0.0.1"), &forwarded("garbage")),
            ip("10.0.0.1")
        );
        assert_eq!(
            network.client_ip(ip("::ffff:10.0.0.1"), &headers),
            ip("198.51.100.7")
        );
        assert_eq!(
            Network::default().client_ip(ip("10.0.0.1"), &headers),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_public_url_is_the_sites_only_origin() {
        let network = Network::new(&[], Some("https://Chat.Example.com/")).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("evil.example"));
        headers.insert("x-forwarded-host", HeaderValue::from_static("evil.example"));
        assert!(network.is_own_origin("https://chat.example.com", &headers));
        assert!(!network.is_own_origin("https://evil.example", &headers));
        assert_eq!(
            network.site_base(ip("10.0.0.1"), &headers),
            "https://chat.example.com"
        );
        assert!(network.secure_cookies());
        for bad in [
            "chat.example.com",
            "ftp://x",
            "https://x/chat",
            "https://u@x",
        ] {
            assert!(Network::new(&[], Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn without_a_public_url_the_host_is_the_site() {
        let network = Network::new(&[ip("127.0.0.1").into()], None).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(network.is_own_origin("http://127.0.0.1:3000", &headers));
        assert_eq!(
            network.site_base(ip("127.0.0.1"), &headers),
            "https://127.0.0.1:3000"
        );
        assert_eq!(
            network.site_base(ip("192.0.2.1"), &headers),
            "http://127.0.0.1:3000"
        );
        assert!(!network.secure_cookies());
    }
}
