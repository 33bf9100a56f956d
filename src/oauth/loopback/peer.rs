//! Who is on the other end of a loopback connection. Any local user can
//! connect to 127.0.0.1: on Linux the kernel's socket tables
//! (`/proc/net/tcp`, `/proc/net/tcp6`) name the owner of the peer's socket,
//! so a connection from another user's program is refused before a byte of
//! it is read (RFC 8252 §8.3: the loopback port is shared by every user).

use std::net::TcpStream;

/// Whether the peer of `stream` may talk to the callback server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// A socket this user owns (or the platform cannot tell).
    Ours,
    /// Another user's socket (its uid), or one nobody holds any more.
    Other(Option<u32>),
}

/// The kernel's socket tables at one moment, read once for every connection
/// accepted in one pass (a flood of connections costs one read, not one each).
pub struct Tables {
    /// Each socket's owner by its (local, remote) ends; `None`: unreadable
    /// here (no `/proc`), or not Linux.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    rows: Option<Rows>,
}

#[cfg(target_os = "linux")]
type Rows = linux::Rows;
#[cfg(not(target_os = "linux"))]
type Rows = ();

impl Tables {
    #[cfg(target_os = "linux")]
    pub fn read() -> Self {
        let mut rows = None;
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            if let Ok(text) = std::fs::read_to_string(table) {
                linux::rows(&text, rows.get_or_insert_with(linux::Rows::new));
            }
        }
        Self { rows }
    }

    #[cfg(not(target_os = "linux"))]
    pub fn read() -> Self {
        Self { rows: None }
    }

    #[cfg(target_os = "linux")]
    pub fn peer(&self, stream: &TcpStream) -> Peer {
        use std::sync::atomic::{AtomicBool, Ordering};
        let Some(rows) = &self.rows else {
            static SAID: AtomicBool = AtomicBool::new(false);
            if !SAID.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "cannot read /proc/net/tcp: connections to the callback server from other users cannot be refused"
                );
            }
            return Peer::Ours;
        };
        let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
            return Peer::Other(None);
        };
        // SAFETY: geteuid has no preconditions and cannot fail.
        #[allow(unsafe_code)]
        let me = unsafe { libc::geteuid() };
        // The peer's socket is the row whose local end is its address and
        // whose remote end is ours.
        match rows.get(&(peer, local)).copied() {
            Some(linux::Owner { uid, inode }) if uid == me && inode != 0 => Peer::Ours,
            // Inode 0: an orphaned or TIME_WAIT socket, shown as uid 0;
            // a browser keeps its socket until it has the answer.
            Some(linux::Owner { inode: 0, .. }) | None => Peer::Other(None),
            Some(linux::Owner { uid, .. }) => Peer::Other(Some(uid)),
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub fn peer(&self, _stream: &TcpStream) -> Peer {
        Peer::Ours
    }
}

/// The peer of one connection (tables read for it alone).
#[cfg(test)]
pub fn of(stream: &TcpStream) -> Peer {
    Tables::read().peer(stream)
}

#[cfg(any(target_os = "linux", test))]
mod linux {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Owner {
        pub uid: u32,
        pub inode: u64,
    }

    /// Sockets by their (local, remote) ends.
    pub type Rows = std::collections::HashMap<(SocketAddr, SocketAddr), Owner>;

    /// Adds the rows of a `/proc/net/tcp{,6}` table to `out`: parsed once, so
    /// each connection's lookup is one hash probe, not a scan.
    pub fn rows(table: &str, out: &mut Rows) {
        for line in table.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                continue;
            }
            let (Some(local), Some(remote), Ok(uid), Ok(inode)) =
                (address(f[1]), address(f[2]), f[7].parse(), f[9].parse())
            else {
                continue;
            };
            out.insert((local, remote), Owner { uid, inode });
        }
    }

    /// The owner of the row `local -> remote` in one table.
    #[cfg(test)]
    pub fn owner(table: &str, local: SocketAddr, remote: SocketAddr) -> Option<Owner> {
        let mut all = Rows::new();
        rows(table, &mut all);
        all.get(&(local, remote)).copied()
    }

    /// `0100007F:1F90` (IPv4) or 32 hex digits and a port (IPv6): the kernel
    /// prints each 32-bit word of the address in the machine's byte order.
    fn address(field: &str) -> Option<SocketAddr> {
        let (ip, port) = field.split_once(':')?;
        let port = u16::from_str_radix(port, 16).ok()?;
        let word = |i: usize| -> Option<[u8; 4]> {
            let hex = ip.get(i * 8..i * 8 + 8)?;
            Some(u32::from_str_radix(hex, 16).ok()?.to_ne_bytes())
        };
        let ip = match ip.len() {
            8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
            32 => {
                let mut bytes = [0u8; 16];
                for i in 0..4 {
                    bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
                }
                IpAddr::V6(Ipv6Addr::from(bytes))
            }
            _ => return None,
        };
        Some(SocketAddr::new(ip, port))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn hex4(ip: Ipv4Addr) -> String {
            format!("{:08X}", u32::from_ne_bytes(ip.octets()))
        }

        #[test]
        fn the_peer_row_is_found_by_both_ends() {
            let lo = hex4(Ipv4Addr::LOCALHOST);
            let table = format!(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
                 0: {lo}:1F90 {lo}:C350 01 00000000:00000000 00:00000000 00000000  1000        0 111 1\n\
                 1: {lo}:C350 {lo}:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 222 1\n"
            );
            let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
            let client: SocketAddr = "127.0.0.1:50000".parse().unwrap();
            assert_eq!(
                owner(&table, client, server),
                Some(Owner {
                    uid: 65534,
                    inode: 222
                })
            );
            assert_eq!(
                owner(&table, server, client),
                Some(Owner {
                    uid: 1000,
                    inode: 111
                })
            );
            assert_eq!(owner(&table, client, "127.0.0.1:1".parse().unwrap()), None);
        }

        #[test]
        fn ipv6_words_are_in_machine_order() {
            let hex: String = Ipv6Addr::LOCALHOST
                .octets()
                .chunks(4)
                .map(|c| format!("{:08X}", u32::from_ne_bytes(c.try_into().unwrap())))
                .collect();
            assert_eq!(
                address(&format!("{hex}:0050")),
                Some("[::1]:80".parse().unwrap())
            );
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod real_sockets {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_connection_of_this_user_is_ours_and_a_closed_one_is_not() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server_side, _) = listener.accept().unwrap();
        assert_eq!(of(&server_side), Peer::Ours);
        // Nobody holds the peer's socket any more: not a browser waiting.
        drop(client);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_ne!(of(&server_side), Peer::Ours);
    }
}
