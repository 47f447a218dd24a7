//! Protocols, port ranges, directions and address ranges shared by security groups, network
//! ACLs and routes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::Serialize;

use crate::tri::Tri;

/// Which way traffic crosses a filter, seen from the resource the filter guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn word(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// An IP protocol as AWS rules name it (`-1`/`all`, `tcp`/`6`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    All,
    Tcp,
    Udp,
    Icmp,
    Other(String),
}

impl Protocol {
    pub fn parse(s: &str) -> Protocol {
        match s.trim().to_ascii_lowercase().as_str() {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            other => Protocol::Other(other.to_string()),
        }
    }

    pub fn carries_tcp(&self) -> bool {
        matches!(self, Protocol::All | Protocol::Tcp)
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Ports {
    pub from: i64,
    pub to: i64,
}

impl Ports {
    pub const ALL: Ports = Ports { from: 0, to: 65535 };
    pub const HTTPS: Ports = Ports { from: 443, to: 443 };
    /// The return ports a NACL must pass: AWS recommends 1024–65535 because clients (and
    /// NAT gateways) pick their source port from it.
    /// <https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports>
    pub const EPHEMERAL: Ports = Ports { from: 1024, to: 65535 };

    /// Whether this range covers all of `want` (`Yes`), part of it (`Maybe`) or none (`No`).
    pub fn covers(self, want: Ports) -> Tri {
        if self.from <= want.from && self.to >= want.to {
            Tri::Yes
        } else if self.to < want.from || self.from > want.to {
            Tri::No
        } else {
            Tri::Maybe
        }
    }

    pub fn contains(self, port: i64) -> bool {
        self.from <= port && port <= self.to
    }
}

/// Whether `rule` covers all of `target` (`Yes`), part of it (`Maybe`) or none of it (`No`).
pub fn cidr_covers(rule: &IpNet, target: &IpNet) -> Tri {
    match (rule, target) {
        (IpNet::V4(_), IpNet::V6(_)) | (IpNet::V6(_), IpNet::V4(_)) => Tri::No,
        _ if rule.contains(target) => Tri::Yes,
        _ if target.contains(&rule.network()) => Tri::Maybe,
        _ => Tri::No,
    }
}

/// Parses a CIDR block, tolerating a bare address (AWS accepts `10.0.0.5` as a /32 in places).
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>().ok().or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from)).map(|n| n.trunc())
}

/// Whether a rule's CIDR admits traffic to or from the public AWS service endpoints, whose
/// addresses tfreach cannot know: `0.0.0.0/0` does; private ranges do not; other public
/// ranges might.
pub fn cidr_covers_internet(rule: &IpNet) -> Tri {
    // The agent calls the services' IPv4 names (`ssm.<region>.amazonaws.com`).
    if matches!(rule, IpNet::V6(_)) {
        return Tri::No;
    }
    if rule.prefix_len() == 0 {
        return Tri::Yes;
    }
    let private = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    ];
    if private.iter().filter_map(|p| p.parse::<IpNet>().ok()).any(|p| p.contains(rule)) { Tri::No } else { Tri::Maybe }
}

/// `0.0.0.0/0`.
pub fn any_ipv4() -> IpNet {
    IpNet::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0).expect("valid prefix")
}

/// `::/0`.
pub fn any_ipv6() -> IpNet {
    IpNet::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0).expect("valid prefix")
}

impl Ports {
    /// `443`, `1024-65535`.
    pub fn describe(self) -> String {
        if self.from == self.to { self.from.to_string() } else { format!("{}-{}", self.from, self.to) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> IpNet {
        parse_cidr(s).unwrap()
    }

    #[test]
    fn protocols_by_name_and_number() {
        assert_eq!(Protocol::parse("-1"), Protocol::All);
        assert_eq!(Protocol::parse("6"), Protocol::Tcp);
        assert_eq!(Protocol::parse("TCP"), Protocol::Tcp);
        assert!(!Protocol::parse("udp").carries_tcp());
    }

    #[test]
    fn port_coverage() {
        assert_eq!(Ports { from: 0, to: 65535 }.covers(Ports::HTTPS), Tri::Yes);
        assert_eq!(Ports { from: 80, to: 80 }.covers(Ports::HTTPS), Tri::No);
        assert_eq!(Ports { from: 32768, to: 65535 }.covers(Ports::EPHEMERAL), Tri::Maybe);
    }

    #[test]
    fn cidr_relations() {
        assert_eq!(cidr_covers(&n("10.0.0.0/16"), &n("10.0.1.0/24")), Tri::Yes);
        assert_eq!(cidr_covers(&n("10.0.1.0/25"), &n("10.0.1.0/24")), Tri::Maybe);
        assert_eq!(cidr_covers(&n("10.99.0.0/16"), &n("10.0.1.0/24")), Tri::No);
        assert_eq!(cidr_covers(&n("::/0"), &n("10.0.1.0/24")), Tri::No);
        assert_eq!(cidr_covers_internet(&n("0.0.0.0/0")), Tri::Yes);
        assert_eq!(cidr_covers_internet(&n("10.0.0.0/16")), Tri::No);
        assert_eq!(cidr_covers_internet(&n("52.0.0.0/8")), Tri::Maybe);
        assert_eq!(cidr_covers_internet(&n("::/0")), Tri::No, "the agent calls IPv4 names");
        assert_eq!(n("10.0.0.5"), n("10.0.0.5/32"));
    }
}
