//! The loopback server's side of HTTP/1.1, kept small on purpose: one request
//! head per connection (a body is never read), every answer a static page
//! with `Connection: close`. Everything a local peer can make it hold is
//! bounded: the head's size, the time a client gets to send it, and the
//! connections open at once (a new one closes the oldest), and all of it runs
//! on the one thread that waits for the callback: idle sockets cost no thread.

use super::peer::{self, Peer};
use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Request line and headers together; a browser's callback is far below it.
pub const MAX_HEAD: usize = 8 * 1024;
/// Time a client has to send its whole head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections open at once.
pub const MAX_CONNECTIONS: usize = 32;
const MAX_HEADERS: usize = 48;
/// Accepted per listener per pass, so a flood cannot keep the loop there.
const ACCEPT_BURST: usize = 256;
/// Our pages fit a socket's send buffer; this only bounds a stalled peer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the server looks at in a request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    pub target: String,
    /// `None` when absent, repeated or not UTF-8.
    pub host: Option<String>,
}

/// A complete request head, or the status that refuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Head(Head),
    Bad(u16),
}

/// One answer: a status, a static page, and the `Location` of a redirect.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub page: &'static str,
    pub location: Option<String>,
}

impl Reply {
    pub fn page(status: u16, page: &'static str) -> Self {
        Self {
            status,
            page,
            location: None,
        }
    }
}

/// Parses a request head; `None` while it is incomplete.
pub fn parse(buf: &[u8]) -> Option<Parsed> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => None,
        Ok(httparse::Status::Complete(len)) if len > MAX_HEAD => Some(Parsed::Bad(431)),
        Ok(httparse::Status::Complete(_)) => {
            let mut hosts = req
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("host"));
            let host = match (hosts.next(), hosts.next()) {
                (Some(h), None) => std::str::from_utf8(h.value).ok().map(str::to_string),
                _ => None,
            };
            Some(Parsed::Head(Head {
                method: req.method.unwrap_or_default().to_string(),
                target: req.path.unwrap_or_default().to_string(),
                host,
            }))
        }
        Err(httparse::Error::TooManyHeaders) => Some(Parsed::Bad(431)),
        Err(_) => Some(Parsed::Bad(400)),
    }
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    opened: Instant,
}

enum Progress {
    Waiting,
    Gone,
    Done(Parsed),
}

impl Conn {
    /// Reads what has arrived, at most one byte past [`MAX_HEAD`].
    fn progress(&mut self) -> Progress {
        let mut chunk = [0u8; 2048];
        let mut closed = false;
        while self.buf.len() <= MAX_HEAD {
            let room = (MAX_HEAD + 1 - self.buf.len()).min(chunk.len());
            match self.stream.read(&mut chunk[..room]) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Progress::Gone,
            }
        }
        match parse(&self.buf) {
            Some(p) => Progress::Done(p),
            None if self.buf.len() > MAX_HEAD => Progress::Done(Parsed::Bad(431)),
            None if closed || self.opened.elapsed() > HEAD_TIMEOUT => Progress::Gone,
            None => Progress::Waiting,
        }
    }
}

/// The open connections of one wait.
#[derive(Default)]
pub struct Pool {
    conns: Vec<Conn>,
}

impl Pool {
    /// Takes the connections waiting on `listeners`; true if any came. One
    /// from another user's program is answered `refused` (a static page)
    /// without a byte of it being read.
    pub fn accept(&mut self, listeners: &[TcpListener], refused: &'static str) -> bool {
        let mut arrived = Vec::new();
        for listener in listeners {
            for _ in 0..ACCEPT_BURST {
                match listener.accept() {
                    Ok((stream, _)) => arrived.push(stream),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => {
                        tracing::debug!(error = %e, "callback server accept failed");
                        break;
                    }
                }
            }
        }
        if arrived.is_empty() {
            return false;
        }
        let tables = peer::Tables::read();
        for stream in arrived {
            if let Peer::Other(uid) = tables.peer(&stream) {
                let uid = uid.map_or("unknown".to_string(), |u| u.to_string());
                tracing::warn!(
                    %uid,
                    "refused a connection to the callback server from another user's program"
                );
                respond(stream, &Reply::page(403, refused));
                continue;
            }
            if stream.set_nonblocking(true).is_err() {
                continue;
            }
            if self.conns.len() >= MAX_CONNECTIONS {
                // The oldest has had the longest to speak: a browser sends
                // its request as soon as it connects.
                self.conns.remove(0);
                tracing::debug!("callback server full: closed the oldest connection");
            }
            self.conns.push(Conn {
                stream,
                buf: Vec::new(),
                opened: Instant::now(),
            });
        }
        true
    }

    /// Takes out every connection whose head is complete (or refused);
    /// drops those that closed or took longer than [`HEAD_TIMEOUT`].
    pub fn ready(&mut self) -> Vec<(TcpStream, Parsed)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.conns.len() {
            match self.conns[i].progress() {
                Progress::Waiting => i += 1,
                Progress::Gone => {
                    self.conns.remove(i);
                }
                Progress::Done(parsed) => out.push((self.conns.remove(i).stream, parsed)),
            }
        }
        out
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

/// Writes the whole answer and closes the connection.
pub fn respond(mut stream: TcpStream, reply: &Reply) {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    if let Some(location) = &reply.location {
        let _ = write!(head, "Location: {location}\r\n");
    }
    let _ = write!(
        head,
        "Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         Cache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\n\
         X-Content-Type-Options: nosniff\r\n\r\n",
        reply.page.len()
    );
    let sent = stream
        .set_nonblocking(false)
        .and_then(|()| stream.set_write_timeout(Some(WRITE_TIMEOUT)))
        .and_then(|()| stream.write_all(head.as_bytes()))
        .and_then(|()| stream.write_all(reply.page.as_bytes()))
        .and_then(|()| stream.flush())
        .and_then(|()| stream.shutdown(Shutdown::Write));
    if let Err(e) = sent {
        tracing::debug!(error = %e, "could not answer a callback request");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Option<Parsed> {
        parse(raw.as_bytes())
    }

    #[test]
    fn heads() {
        assert_eq!(head("GET /cb?x=1 HTTP/1.1\r\nHost: a"), None);
        assert_eq!(
            head("GET /cb?x=1 HTTP/1.1\r\nhOsT: 127.0.0.1:9\r\n\r\n"),
            Some(Parsed::Head(Head {
                method: "GET".into(),
                target: "/cb?x=1".into(),
                host: Some("127.0.0.1:9".into()),
            }))
        );
        let Some(Parsed::Head(h)) = head("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") else {
            panic!()
        };
        assert_eq!(h.host, None, "a repeated Host is no Host");
        assert_eq!(head("GET /\r\n\r\n"), Some(Parsed::Bad(400)));
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(100));
        assert_eq!(head(&many), Some(Parsed::Bad(431)));
    }
}
