import KMeansCore

/// Key handling: the part with the keyboard (placement, an overlay, or the main screen) handles the key through the
/// one keymap table; the session carries out what the part asks for.
extension Session {
    /// Applies one key press or mouse event. While the terminal is too small nothing but quitting acts.
    public mutating func handle(_ key: Key) {
        if key == .resize { return }
        status = nil
        guard layout.fits else {
            let action = Keymap.action(for: key, in: Keymap.main)
            if action == .quit { quitRequested = true }
            return
        }
        if placement != nil, handlePlacement(key) { return }
        switch overlay {
        case .none: break
        case let .help(scroll): handleHelp(key, scroll: scroll); return
        case .settings: handleSettings(key); return
        case let .checkpoints(selected): handleCheckpoints(key, selected: selected); return
        case .sweep: handleSweep(key); return
        }
        guard let action = Keymap.action(for: key, in: Keymap.main) else {
            if case let .click(x, y) = key { status = .clickIgnored(x: x, y: y) }
            return
        }
        perform(action)
    }

    /// Performs an action of the main keymap.
    public mutating func perform(_ action: WorkbenchAction) {
        if history.perform(action) { return }
        switch action {
        case .restart: restart()
        case .restartNewSeed:
            settings.seed &+= 1
            settingsEditor.draft.seed = settings.seed
            restart()
        case .settings:
            history.pause()
            settingsEditor = SettingsEditor(settings: settings, dataIndex: dataChoices.firstIndex { $0.name == dataSet.name } ?? 0)
            overlay = .settings
        case .checkpoints:
            history.pause()
            if checkpoints.isEmpty { status = .noCheckpoints(origin: checkpointOrigin) } else {
                showCheckpoint(checkpoints.count - 1)
            }
        case .sweep: openSweep()
        case .projection: cycleProjection()
        case .markerMode:
            let modes: [MarkerMode] = view.unicode ? MarkerMode.allCases : [.glyphs]
            let index = modes.firstIndex(of: view.marker) ?? 0
            view.marker = modes[(index + 1) % modes.count]
        case .voronoi: view.voronoi.toggle()
        case .trails: view.trails.toggle()
        case .explain: view.explain.toggle()
        case .screenshot: screenshotRequested = true
        case .exportRun: exportRequested = true
        case .truthColors: toggleTruthColors()
        case .standardize: toggleStandardize()
        case .help: overlay = .help(scroll: 0)
        case .closeOverlay:
            if overlay == .none, history.isBusy {
                cancelPendingWork()
                status = .computationStopped
            }
            overlay = .none
        case .quit, .interrupt: quitRequested = true
        default: break
        }
    }

    private mutating func handleHelp(_ key: Key, scroll: Int) {
        let action = Keymap.action(for: key, in: Keymap.navigation) ?? (Keymap.isMainKey(key, for: .help) ? .closeOverlay : nil)
        let page = max(1, layout.helpBox.height - 3)
        let maxScroll = max(0, Keymap.helpLines().count - page)
        switch action {
        case .moveUp: overlay = .help(scroll: max(0, scroll - 1))
        case .moveDown: overlay = .help(scroll: min(maxScroll, scroll + 1))
        case .pageUp: overlay = .help(scroll: max(0, scroll - page))
        case .pageDown: overlay = .help(scroll: min(maxScroll, scroll + page))
        case .closeOverlay, .confirm: overlay = .none
        case .quit, .interrupt: quitRequested = true
        default: break
        }
    }

    private mutating func handleSettings(_ key: Key) {
        switch settingsEditor.handle(key, dataCount: dataChoices.count) {
        case .editing: break
        case .apply: applySettings()
        case .cancel: overlay = .none; settingsEditor.draft = settings
        case .quit: quitRequested = true
        case let .open(path): openDataFile(path)
        }
    }

    private mutating func handleCheckpoints(_ key: Key, selected: Int) {
        switch checkpointBrowser.handleViewKey(key, selected: selected) ?? checkpointBrowser.handle(key, selected: selected) {
        case let .show(index): showCheckpoint(index)
        case let .continueFrom(entry): continueRun(from: entry)
        case .close: overlay = .none
        case .quit: quitRequested = true
        }
    }

    /// Handles a key during centre placement; false when the key is not a placement key.
    private mutating func handlePlacement(_ key: Key) -> Bool {
        guard var p = placement else { return false }
        let outcome = p.handle(key, plot: layout.plot, bounds: bounds, k: settings.k)
        placement = p
        switch outcome {
        case .placing: break
        case .notPlacementKey: return false
        case .clickOutside: status = .clickOutsidePlot
        case .quit: quitRequested = true
        case .cancel:
            placement = nil
            settings.initialization = .kmeansPlusPlus
            settingsEditor.draft = settings
            restart()
            status = .placementCancelled
        case let .done(points):
            placement = nil
            let rows = points.map { planeMap.unproject(x: $0.x, y: $0.y) }
            do {
                history.start(with: try engine.initialState(chosenCenters: inRunUnits(Matrix(rows))))
                status = .centersPlaced(k: settings.k)
            } catch {
                status = .cannotUsePlacedCenters(reason: "\(error)")
            }
        }
        return true
    }

    private mutating func cycleProjection() {
        let d = dataSet.points.columns
        guard d > 2 else { status = .nothingToProject(columns: d); return }
        var options: [Projection] = [.pca]
        for a in 0..<d { for b in (a + 1)..<d { options.append(.axes(x: a, y: b)) } }
        let index = options.firstIndex(of: view.projection) ?? 0
        setProjection(options[(index + 1) % options.count])
    }
}
