//! A running server and a small JSON client for it.

use dealflow_core::records::UserRecord;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::TestApp;

pub struct Api {
    pub app: TestApp,
    pub base: String,
    http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            stop.send(()).ok();
        }
    }
}

/// An answer: status, content type and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl Api {
    pub async fn start(app: TestApp) -> Api {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let services = app.services.clone();
        tokio::spawn(async move {
            dealflow_server::server::launch(listener, services, async {
                stopped.await.ok();
            })
            .await
            .unwrap();
        });
        Api { app, base, http: reqwest::Client::new(), shutdown: Some(stop) }
    }

    /// A token for `user`, made directly (hashing a password per test would only be slow).
    pub async fn token(&self, user: &UserRecord) -> String {
        let token = format!("test-token-{}", user.id);
        let mut tx = self.app.store.begin_write().await.unwrap();
        tx.tokens().insert(&dealflow_server::secrets::hash_token(&token), &user.id, self.app.clock.now()).await.ok();
        tx.commit().await.unwrap();
        token
    }

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    pub async fn raw(&self, method: Method, path: &str, token: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let request =
            self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token).header("content-type", content_type).body(body);
        Answer::read(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }
}

impl Answer {
    pub async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Answer { status, content_type, body }
    }
}
