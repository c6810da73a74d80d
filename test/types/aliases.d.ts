/** The older majors installed under npm aliases share their typings with the current ones. */
declare module 'express4' {
  import express from 'express'
  export default express
}
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
