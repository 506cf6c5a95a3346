/** The preflight doctor: the part that doctorModule.ts loads on first use (the doctor part of dist/parts.js in the production build). */
export { invalidSettingsReport, runDoctor } from './doctor';
export { hostDoctorDeps } from './doctorHost';
export { doctorProblems } from './doctorReport';
