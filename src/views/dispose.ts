/**
 * A base for objects that own disposables (event subscriptions, panels, emitters) and release them once,
 * newest first, as VS Code's own extensions do with `_register()`.
 */
import type * as vscode from 'vscode';

export interface Disposable {
  dispose(): unknown;
}

/** Owns disposables and releases them once, newest first. */
export abstract class DisposableBase implements vscode.Disposable {
  private readonly disposables: Disposable[] = [];
  private disposed = false;

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  protected _register<T extends Disposable>(disposable: T): T {
    if (this.disposed) {
      disposable.dispose();
    } else {
      this.disposables.push(disposable);
    }
    return disposable;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.disposables.length > 0) {
      this.disposables.pop()?.dispose();
    }
  }
}
