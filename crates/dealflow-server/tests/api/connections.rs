//! The server under idle and slow connections, over real sockets: a client that opens a
//! connection and sends nothing, or only part of its headers, is cut off after the header
//! timeout, while other clients are served meanwhile. (The memory such connections take is
//! measured by `scripts/idle-connections`, which prints its figures.)

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::Api;
use crate::support::TestApp;

/// Waits for the server to close `stream` (a read answers end of file or an error).
async fn closed_by_server(mut stream: TcpStream) -> Duration {
    let started = Instant::now();
    let mut buffer = [0u8; 512];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return started.elapsed(),
            // A 408 or the like before closing is fine; the close is what counts.
            Ok(_) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slow_clients_are_cut_off_and_others_are_served_meanwhile() {
    let api = Api::start(TestApp::sqlite().await).await;
    let address = api.base.trim_start_matches("http://").trim_end_matches("/api/v1").to_owned();
    let mut waiting = Vec::new();
    for n in 0..40 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        if n % 2 == 1 {
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        }
        waiting.push(tokio::spawn(closed_by_server(stream)));
    }
    // Served meanwhile, and a kept-alive connection too is closed once it sits idle.
    let mut client = TcpStream::connect(&address).await.unwrap();
    client.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = [0u8; 64];
    let read = client.read(&mut answer).await.unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{:?}", String::from_utf8_lossy(&answer[..read]));
    waiting.push(tokio::spawn(closed_by_server(client)));
    // The header timeout is 10 s; a minute bounds the wait on a busy machine.
    for task in waiting {
        let took = tokio::time::timeout(Duration::from_secs(60), task).await.expect("the server closed the connection").unwrap();
        assert!(took >= Duration::from_secs(5), "closed too soon, after {took:?}");
    }
}
