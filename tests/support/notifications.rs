//! A desktop notification server on a test's private session bus: records every Notify call and
//! clicks actions (the ActionInvoked signal), as a person at the desktop would.

use crate::{Env, wait_until};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

/// One Notify call: (id, summary, body, actions).
pub type Call = (u32, String, String, Vec<String>);

#[derive(Clone, Default)]
struct Server {
    calls: Arc<Mutex<Vec<Call>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: &str,
        _replaces_id: u32,
        _app_icon: &str,
        summary: &str,
        body: &str,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut calls = self.calls.lock().unwrap();
        let id = calls.len() as u32 + 1;
        calls.push((id, summary.into(), body.into(), actions));
        id
    }
    fn close_notification(&self, _id: u32) {}
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }
    fn get_server_information(&self) -> (String, String, String, String) {
        ("sonora-test".into(), "sonora".into(), "1".into(), "1.2".into())
    }
    #[zbus(signal)]
    async fn action_invoked(emitter: &SignalEmitter<'_>, id: u32, action_key: &str) -> zbus::Result<()>;
}

pub struct Desktop {
    rt: tokio::runtime::Runtime,
    conn: zbus::Connection,
    server: Server,
}

impl Desktop {
    pub fn start(env: &Env) -> Desktop {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let server = Server::default();
        let conn = rt.block_on(async {
            zbus::connection::Builder::address(env.bus_address.as_str())
                .unwrap()
                .name("org.freedesktop.Notifications")
                .unwrap()
                .serve_at("/org/freedesktop/Notifications", server.clone())
                .unwrap()
                .build()
                .await
                .expect("notification server on the test bus")
        });
        Desktop { rt, conn, server }
    }

    /// Every notification posted so far.
    pub fn calls(&self) -> Vec<Call> {
        self.server.calls.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.server.calls.lock().unwrap().len()
    }

    /// Waits for the first notification.
    pub fn wait_for_prompt(&self) -> Call {
        self.wait_for(1)
    }

    /// Waits for notification number `n` (1-based).
    pub fn wait_for(&self, n: usize) -> Call {
        wait_until(Duration::from_secs(10), || self.server.calls.lock().unwrap().get(n - 1).cloned())
            .unwrap_or_else(|| panic!("the daemon posted no notification number {n}"))
    }

    pub fn invoke(&self, id: u32, action: &str) {
        self.rt.block_on(async {
            let emitter = SignalEmitter::new(&self.conn, "/org/freedesktop/Notifications").unwrap();
            Server::action_invoked(&emitter, id, action).await.unwrap();
        });
    }
}
