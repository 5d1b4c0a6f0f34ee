/// Drives a session without a terminal: the same keys, the same renderer, computation done inline.
public enum Headless {
    /// Runs `steps` full iterations, then the key script, computing every requested half-step, and returns the
    /// session. A `<tick>` item is one auto-play frame.
    public static func drive(_ session: Session, steps: Int, script: [Key.ScriptItem]) -> Session {
        var session = session
        for _ in 0..<max(0, steps) {
            session.requestIteration()
            session.runPendingWork()
        }
        for item in script {
            switch item {
            case let .key(key): session.handle(key)
            case .tick: session.tick()
            }
            session.runPendingWork()
            if session.quitRequested { break }
        }
        return session
    }
}
