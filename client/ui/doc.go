// Package ui is the Arena client's Ebiten face: one type per screen (name
// entry, menu, queue, match, results), each with Update and Draw, over the
// state machine in client/app.
//
// Update reads the keyboard and mouse and calls the App's actions; Draw only
// reads. The logical screen is a fixed 1280×720 that Ebiten scales to the
// window (or the browser's canvas); the arena is fitted into it. All game
// logic that can live without Ebiten lives in client/app instead.
package ui
