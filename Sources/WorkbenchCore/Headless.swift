/// Drives a session (or a comparison, a lesson) without a terminal: the same keys, the same renderer, computation
/// done inline.
public enum Headless {
    /// Runs `steps` full iterations, then the key script, computing every requested half-step, and returns the
    /// session. A `<tick>` item is one auto-play frame.
    /// `afterEach`, when given, sees the session after every step and script item (a headless recording draws there).
    public static func drive<Screen: DrivenScreen>(_ session: Screen, steps: Int, script: [Key.ScriptItem],
                                                   afterEach: ((Screen, Key.ScriptItem?) -> Void)? = nil) -> Screen {
        var session = session
        for _ in 0..<max(0, steps) {
            session.requestIteration()
            session.runPendingWork()
            afterEach?(session, nil)
        }
        for item in script {
            switch item {
            case let .key(key): session.handle(key)
            case .tick: session.tick()
            }
            session.runPendingWork()
            afterEach?(session, item)
            if session.quitRequested { break }
        }
        return session
    }
}
