import express from 'express'
import { expressDriver } from './express-app.js'

/** Express 5 (`express`). */
export const express5Driver = expressDriver('express 5', express)
