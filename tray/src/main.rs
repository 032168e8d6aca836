fn main() {
    eprintln!("sonora-tray: not yet");
}
