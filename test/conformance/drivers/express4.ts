import express from 'express4'
import { expressDriver } from './express-app.js'

/** Express 4 (`express4`, an npm alias of express@4). */
export const express4Driver = expressDriver('express 4', express)
