//! `output.elasticsearch.hosts` entries: a URL or a bare `host[:port]`, completed with
//! `protocol` (default `http`), port 9200 and `path` as Beats does; credentials in the URL are
//! taken out of it and become basic auth.

use std::fmt;

use ironstack_tls::Secret;

/// One Elasticsearch endpoint.
#[derive(Clone)]
pub struct HostUrl {
    /// Whether TLS is used (only the scheme decides).
    pub https: bool,
    /// Host name or IP (IPv6 without brackets).
    pub host: String,
    /// Port (9200 by default).
    pub port: u16,
    /// A path prefix for every API call, without a trailing slash (`""` or `/es`).
    pub path: String,
    /// `user:password` taken out of the URL.
    pub credentials: Option<(String, Secret)>,
}

impl fmt::Debug for HostUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostUrl({self})")
    }
}

impl fmt::Display for HostUrl {
    /// The URL without credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}{}", self.host, self.port, self.path)
        } else {
            write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.path)
        }
    }
}

impl HostUrl {
    /// Parses one `hosts` entry; `protocol` and `path` apply when the entry has no scheme or
    /// path of its own.
    pub fn parse(text: &str, protocol: &str, path: &str) -> Result<HostUrl, String> {
        Self::parse_with_port(text, protocol, path, 9200)
    }

    /// [`Self::parse`] with another default port (5601 for `setup.kibana.host`).
    pub fn parse_with_port(
        text: &str,
        protocol: &str,
        path: &str,
        default_port: u16,
    ) -> Result<HostUrl, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty host".to_string());
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => (protocol.to_ascii_lowercase(), text),
        };
        let https = match scheme.as_str() {
            "https" => true,
            "http" => false,
            other => return Err(format!("[{text}]: unsupported scheme [{other}]")),
        };
        let (authority, url_path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (credentials, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hp)) => {
                let (u, p) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (Some((u.to_string(), Secret::new(p))), hp)
            }
            None => (None, authority),
        };
        let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
            let (h, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("[{text}]: unclosed [ in an IPv6 address"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(format!("[{text}]: unexpected text after the address")),
            };
            (h.to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("[{text}]: no host name"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("[{text}]: invalid port [{p}]"))?,
            None => default_port,
        };
        let chosen_path = if url_path.is_empty() || url_path == "/" {
            path
        } else {
            url_path
        };
        let mut clean = chosen_path.trim_end_matches('/').to_string();
        if !clean.is_empty() && !clean.starts_with('/') {
            clean.insert(0, '/');
        }
        Ok(HostUrl {
            https,
            host,
            port,
            path: clean,
            credentials,
        })
    }

    /// `host:port` for dialing.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_hosts_take_protocol_port_and_path() {
        let h = HostUrl::parse("es1", "https", "/prefix/").unwrap();
        assert_eq!(h.to_string(), "https://es1:9200/prefix");
        let h = HostUrl::parse("es1:9201", "", "").unwrap_err();
        assert!(h.contains("unsupported scheme"), "{h}");
        let h = HostUrl::parse("es1:9201", "http", "").unwrap();
        assert_eq!(h.to_string(), "http://es1:9201");
    }

    #[test]
    fn urls_keep_their_own_scheme_and_path_and_lose_credentials() {
        let h = HostUrl::parse("https://u:p@10.0.0.1:9443/es", "http", "/other").unwrap();
        assert!(h.https);
        assert_eq!(h.to_string(), "https://10.0.0.1:9443/es");
        let (u, p) = h.credentials.clone().unwrap();
        assert_eq!((u.as_str(), p.expose()), ("u", "p"));
        assert!(!format!("{h:?}").contains(":p@"));
        let v6 = HostUrl::parse("https://[::1]:9200", "http", "").unwrap();
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.authority(), "[::1]:9200");
    }

    #[test]
    fn bad_hosts_are_explained() {
        assert!(HostUrl::parse("", "http", "").is_err());
        assert!(HostUrl::parse("ftp://x", "http", "").is_err());
        assert!(
            HostUrl::parse("x:99999", "http", "")
                .unwrap_err()
                .contains("invalid port")
        );
        assert!(HostUrl::parse("[::1", "http", "").is_err());
    }
}
