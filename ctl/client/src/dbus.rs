//! The daemon's D-Bus interface as a zbus proxy (see `docs/dbus.md`).

#[zbus::proxy(
    interface = "org.sonora.Sonora1",
    default_service = "org.sonora.Sonora1",
    default_path = "/org/sonora/Sonora1"
)]
pub trait Sonora {
    /// Any socket-protocol request line; returns the reply line.
    fn call(&self, request: &str) -> zbus::Result<String>;
    fn status(&self) -> zbus::Result<String>;
    fn start(&self, outcome: &str, minutes: f64) -> zbus::Result<String>;
    fn stop(&self) -> zbus::Result<String>;
    fn toggle(&self, outcome: &str) -> zbus::Result<String>;

    #[zbus(property)]
    fn state(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn outcome(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn volume(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn set_volume(&self, level: f64) -> zbus::Result<()>;
    #[zbus(property)]
    fn ends_at(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn status_json(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn schedule_paused(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn last_checkin_json(&self) -> zbus::Result<String>;

    #[zbus(signal)]
    fn event(&self, event_json: &str) -> zbus::Result<()>;
}
