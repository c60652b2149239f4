//! Bind addresses and ports: `network.host`/`http.host` values (IP addresses, host names and
//! Elasticsearch's special `_local_`-style names) and `http.port` (a port or a range, of which
//! the node takes the first free one).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

/// One `network.host`/`http.host` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostSpec {
    /// `_local_`: the loopback addresses (127.0.0.1 and ::1). The default.
    Local,
    /// `_site_`: site-local addresses of any interface.
    Site,
    /// `_global_`: globally scoped addresses of any interface.
    Global,
    /// `_eth0_`-style: the addresses of one network interface.
    Interface(String),
    /// An IP address (`0.0.0.0` binds every interface).
    Address(IpAddr),
    /// A host name, resolved at bind time.
    Name(String),
}

impl HostSpec {
    /// Parses one value. `:ipv4`/`:ipv6` suffixes of special names are accepted and ignored.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("empty host".to_string());
        }
        if let Some(inner) = value.strip_prefix('_').and_then(|v| v.strip_suffix('_')) {
            let name = inner
                .strip_suffix(":ipv4")
                .or_else(|| inner.strip_suffix(":ipv6"))
                .unwrap_or(inner);
            return Ok(match name {
                "local" => HostSpec::Local,
                "site" => HostSpec::Site,
                "global" => HostSpec::Global,
                "" => return Err("empty special host name".to_string()),
                iface => HostSpec::Interface(iface.to_string()),
            });
        }
        let unbracketed = value.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(HostSpec::Address(ip));
        }
        if value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Ok(HostSpec::Name(value.to_string()));
        }
        Err("expected an IP address, a host name or one of [_local_, _site_, _global_, _<interface>_]".to_string())
    }

    /// The IP addresses to bind. Interface-based names need interface enumeration, which the
    /// node does not do: they are an error suggesting an explicit address.
    pub fn resolve(&self) -> Result<Vec<IpAddr>, String> {
        match self {
            HostSpec::Local => Ok(vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]),
            HostSpec::Address(ip) => Ok(vec![*ip]),
            HostSpec::Name(name) => {
                let mut addresses: Vec<IpAddr> = (name.as_str(), 0)
                    .to_socket_addrs()
                    .map_err(|e| format!("cannot resolve host [{name}]: {e}"))?
                    .map(|a| a.ip())
                    .collect();
                addresses.dedup();
                Ok(addresses)
            }
            HostSpec::Site | HostSpec::Global | HostSpec::Interface(_) => Err(format!(
                "[{self}] is not supported; give an IP address (0.0.0.0 for every interface) or a host name"
            )),
        }
    }
}

impl fmt::Display for HostSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostSpec::Local => f.write_str("_local_"),
            HostSpec::Site => f.write_str("_site_"),
            HostSpec::Global => f.write_str("_global_"),
            HostSpec::Interface(name) => write!(f, "_{name}_"),
            HostSpec::Address(ip) => write!(f, "{ip}"),
            HostSpec::Name(name) => f.write_str(name),
        }
    }
}

/// `http.port`: one port or an inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// First port.
    pub start: u16,
    /// Last port (equal to `start` for a single port).
    pub end: u16,
}

impl PortRange {
    /// Parses `9200` or `9200-9300`. Port 0 (an ephemeral port) is allowed for tests.
    pub fn parse(value: &str) -> Result<Self, String> {
        let parse_port = |p: &str| {
            p.trim()
                .parse::<u16>()
                .map_err(|_| "expected a port (0-65535) or a range like 9200-9300".to_string())
        };
        let range = match value.split_once('-') {
            Some((a, b)) => PortRange {
                start: parse_port(a)?,
                end: parse_port(b)?,
            },
            None => {
                let port = parse_port(value)?;
                PortRange {
                    start: port,
                    end: port,
                }
            }
        };
        if range.start > range.end {
            return Err("the range's first port is greater than its last".to_string());
        }
        Ok(range)
    }

    /// Every port of the range, in order.
    pub fn ports(self) -> impl Iterator<Item = u16> {
        self.start..=self.end
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_specs() {
        assert_eq!(HostSpec::parse("_local_").unwrap(), HostSpec::Local);
        assert_eq!(HostSpec::parse("_site:ipv4_").unwrap(), HostSpec::Site);
        assert_eq!(
            HostSpec::parse("_eth0_").unwrap(),
            HostSpec::Interface("eth0".into())
        );
        assert_eq!(
            HostSpec::parse("0.0.0.0").unwrap(),
            HostSpec::Address("0.0.0.0".parse().unwrap())
        );
        assert_eq!(
            HostSpec::parse("[::1]").unwrap(),
            HostSpec::Address("::1".parse().unwrap())
        );
        assert_eq!(
            HostSpec::parse("node-1.example.com").unwrap(),
            HostSpec::Name("node-1.example.com".into())
        );
        assert!(HostSpec::parse("bad host!").is_err());
        assert!(HostSpec::parse("").is_err());
    }

    #[test]
    fn host_resolution() {
        assert_eq!(HostSpec::Local.resolve().unwrap().len(), 2);
        assert!(
            HostSpec::parse("localhost")
                .unwrap()
                .resolve()
                .unwrap()
                .iter()
                .all(|ip| ip.is_loopback())
        );
        assert!(
            HostSpec::Site
                .resolve()
                .unwrap_err()
                .contains("not supported")
        );
    }

    #[test]
    fn port_ranges() {
        assert_eq!(
            PortRange::parse("9200").unwrap(),
            PortRange {
                start: 9200,
                end: 9200
            }
        );
        let range = PortRange::parse("9200-9202").unwrap();
        assert_eq!(range.ports().collect::<Vec<_>>(), vec![9200, 9201, 9202]);
        assert_eq!(range.to_string(), "9200-9202");
        assert!(PortRange::parse("9300-9200").is_err());
        assert!(PortRange::parse("70000").is_err());
        assert!(PortRange::parse("http").is_err());
    }
}
